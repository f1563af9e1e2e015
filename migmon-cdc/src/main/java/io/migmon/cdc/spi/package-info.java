/** Extension points of migmon-cdc: {@link io.migmon.cdc.spi.ChangeApplier}. */
package io.migmon.cdc.spi;
