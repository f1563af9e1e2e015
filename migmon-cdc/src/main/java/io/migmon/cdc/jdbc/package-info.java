/** A JDBC {@link io.migmon.cdc.spi.ChangeApplier} (PostgreSQL). */
package io.migmon.cdc.jdbc;
