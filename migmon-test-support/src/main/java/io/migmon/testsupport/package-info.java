/**
 * Fixtures for migmon's own tests: {@link io.migmon.testsupport.EmbeddedPostgresFixture} (a real PostgreSQL from
 * zonky's embedded binaries, no Docker). Used in test scope by the SQL-framework, CDC and example modules; not
 * published in the BOM and not an API for hosts.
 */
package io.migmon.testsupport;
