/**
 * Liquibase integration: {@link io.migmon.liquibase.MigmonLiquibaseListener}, a Liquibase
 * {@code ChangeExecListener} that records each changeset, and with
 * {@link io.migmon.liquibase.MigmonLiquibaseListener#observe(MigmonLiquibaseListener.LiquibaseAction) observe}
 * each update, through {@link io.migmon.core.ObservableMigration} (duration by status, errors by type, status
 * state set, MDC). Liquibase itself is a {@code provided} dependency: the host brings its own.
 */
package io.migmon.liquibase;
