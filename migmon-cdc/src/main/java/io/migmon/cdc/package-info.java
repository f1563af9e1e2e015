/** Debezium change-event processing on Kafka: events, consumer lag in messages and seconds, replication lag, apply, dead letters, Kafka Connect REST client. */
package io.migmon.cdc;
