/**
 * Spring Boot 4 auto-configuration for migmon: {@link io.migmon.spring.boot.MigmonProperties} ({@code migmon.*}),
 * {@link io.migmon.spring.boot.MigmonMigrations} (the application's migrations, two lines per backfill) and
 * {@link io.migmon.spring.boot.MigmonHealthChecks}. See docs/spring-boot.md.
 */
package io.migmon.spring.boot;
