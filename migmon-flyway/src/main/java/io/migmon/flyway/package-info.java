/** Flyway callback that records migration metrics through ObservableMigration. */
package io.migmon.flyway;
