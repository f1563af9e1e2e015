package io.migmon.mongo;

/** Whether {@link MongoMigrationRunner} runs each migration in a transaction. */
public enum TransactionPolicy {
    /**
     * Every migration runs in its own transaction; the run fails before touching anything when the server cannot
     * do transactions (standalone {@code mongod}).
     */
    REQUIRED,
    /**
     * Transactions where the server supports them (replica set or sharded cluster with sessions); otherwise the
     * migrations run without one, with a WARN and {@code transactional=false} in the report. The default.
     */
    IF_SUPPORTED,
    /** Never use a transaction (e.g. migrations that create collections or indexes, or exceed transaction limits). */
    NEVER
}
