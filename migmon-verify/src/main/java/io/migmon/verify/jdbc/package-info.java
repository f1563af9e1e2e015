/**
 * Table verification over JDBC (PostgreSQL 14+): {@link io.migmon.verify.jdbc.JdbcTableVerifier}.
 */
package io.migmon.verify.jdbc;
