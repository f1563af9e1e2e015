/**
 * Flyway integration: {@link io.migmon.flyway.MigmonFlywayCallback}, a Flyway {@code Callback} that records each
 * {@code migrate} and each applied version through {@link io.migmon.core.ObservableMigration} (duration by status,
 * errors by type, status state set, MDC). Flyway itself is a {@code provided} dependency: the host brings its own.
 */
package io.migmon.flyway;
