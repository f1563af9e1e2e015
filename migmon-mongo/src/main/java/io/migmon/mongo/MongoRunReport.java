package io.migmon.mongo;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The result of {@link MongoMigrationRunner#run()}.
 *
 * @param database      the migrated database
 * @param topology      what the server's {@code hello} answer says: {@code standalone}, {@code replicaSet} or
 *                      {@code sharded}
 * @param transactional whether the migrations ran in transactions; {@code false} on a standalone server under
 *                      {@link TransactionPolicy#IF_SUPPORTED} or with {@link TransactionPolicy#NEVER}
 * @param migrations    one entry per migration considered, in version order; a failed run stops at the failure
 * @param duration      wall-clock duration of the whole run, lock wait included
 */
public record MongoRunReport(
        String database,
        String topology,
        boolean transactional,
        List<MongoMigrationResult> migrations,
        Duration duration) {

    /** Copies the list. */
    public MongoRunReport {
        migrations = List.copyOf(migrations);
    }

    /** Versions applied in this run. */
    public List<String> applied() {
        return versions(MongoMigrationResult.Outcome.APPLIED);
    }

    /** Versions skipped because they were already applied. */
    public List<String> skipped() {
        return versions(MongoMigrationResult.Outcome.SKIPPED);
    }

    /** The failed migration, if any. */
    public Optional<MongoMigrationResult> failure() {
        return migrations.stream().filter(m -> m.outcome() == MongoMigrationResult.Outcome.FAILED).findFirst();
    }

    /** Whether no migration failed. */
    public boolean successful() {
        return failure().isEmpty();
    }

    private List<String> versions(MongoMigrationResult.Outcome o) {
        return migrations.stream().filter(m -> m.outcome() == o).map(MongoMigrationResult::version).toList();
    }
}
