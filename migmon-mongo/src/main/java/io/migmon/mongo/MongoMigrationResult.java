package io.migmon.mongo;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * What happened to one migration in a run.
 *
 * @param version       the migration's version
 * @param description   its description
 * @param outcome       applied now, skipped (already applied) or failed
 * @param transactional whether it ran in a transaction (false for skipped ones)
 * @param duration      how long it ran ({@link Duration#ZERO} when skipped)
 * @param documents     documents it reported through {@link MongoMigrationContext#documents} that persisted: all of
 *                      them when applied or when it failed without a transaction (partial writes remain), 0 when
 *                      its transaction was rolled back
 * @param validations   results of its {@link MongoMigration#validations()}, in order
 * @param error         {@code ExceptionType: message} when it failed
 */
public record MongoMigrationResult(
        String version,
        String description,
        Outcome outcome,
        boolean transactional,
        Duration duration,
        long documents,
        List<ValidationResult> validations,
        Optional<String> error) {

    /** Copies the list. */
    public MongoMigrationResult {
        validations = List.copyOf(validations);
    }

    /** Outcome of one migration in a run. */
    public enum Outcome {
        /** Ran and committed in this run. */
        APPLIED,
        /** Already applied with the same checksum; not run again. */
        SKIPPED,
        /** Ran and failed; the transaction (if any) was aborted and the changelog records the failure. */
        FAILED
    }
}
