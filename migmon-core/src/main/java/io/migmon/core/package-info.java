/**
 * migmon core: {@link io.migmon.core.ObservableMigration}, the entry point that wraps a migration with metrics,
 * progress, ETA and logging. Sub-packages: {@code metrics} (the catalog), {@code progress}, {@code health},
 * {@code spi}.
 */
package io.migmon.core;
