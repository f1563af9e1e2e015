package io.migmon.mongo;

import io.migmon.core.MigmonException;
import java.util.List;

/** Thrown inside a migration run when one of its {@link MongoValidation}s failed; fails (and rolls back) the migration. */
public class ValidationFailedException extends MigmonException {
    private static final long serialVersionUID = 1L;

    private final transient List<ValidationResult> results;

    /** A failure of migration {@code version} with all its validation results. */
    public ValidationFailedException(String version, List<ValidationResult> results) {
        super("migration " + version + " failed validation: " + results.stream().filter(r -> !r.passed())
                .map(r -> r.check() + " (" + r.detail() + ")").toList());
        this.results = List.copyOf(results);
    }

    /** Every validation result of the migration, passed and failed. */
    public List<ValidationResult> results() {
        return results;
    }
}
