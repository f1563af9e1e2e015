/**
 * Validation before cutover: prove that a migration target holds the same rows as its source.
 *
 * <p>{@link io.migmon.verify.jdbc.JdbcTableVerifier} compares two PostgreSQL tables with checksums computed in the
 * databases (per key range: a count and an order-independent hash aggregate), bisects only the ranges that differ
 * down to rows, and re-checks differences that may still be in flight in a CDC pipeline
 * ({@link io.migmon.verify.AppliedWatermark}). {@link io.migmon.verify.mongo.MongoCollectionVerifier} does the same
 * for MongoDB collections. Both produce a {@link io.migmon.verify.VerificationReport} (JSON, exit code 0/1/2),
 * record the {@code migration_validation_*} meters and feed a {@link io.migmon.verify.VerificationHealthCheck}.
 */
package io.migmon.verify;
