/**
 * The CDC event model: a parsed Debezium record ({@link io.migmon.cdc.event.ChangeEvent}), its
 * {@link io.migmon.cdc.event.Operation}, and why a record was dead-lettered ({@link io.migmon.cdc.event.DeadLetterReason}).
 */
package io.migmon.cdc.event;
