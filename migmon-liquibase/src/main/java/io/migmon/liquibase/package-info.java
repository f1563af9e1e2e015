/** Liquibase listener that records migration metrics through ObservableMigration. */
package io.migmon.liquibase;
