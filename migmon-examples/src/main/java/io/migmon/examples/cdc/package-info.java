/** The CDC part of the demo: embedded PostgreSQL, Debezium, in-process Kafka and {@code CdcEventProcessor}. */
package io.migmon.examples.cdc;
