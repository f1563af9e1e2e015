/** Kafka Connect REST client for managing Debezium connectors, with connector and task state gauges. */
package io.migmon.cdc.connect;
