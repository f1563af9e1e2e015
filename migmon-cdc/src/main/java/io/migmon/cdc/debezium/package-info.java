/**
 * Adapter for a Debezium embedded engine ({@code debezium-api} is an optional dependency of migmon-cdc: add
 * {@code debezium-embedded} to use it).
 */
package io.migmon.cdc.debezium;
