package io.migmon.mongo;

/**
 * A check of a migration's effect, run by the runner after {@link MongoMigration#up} and before the commit, in the
 * migration's session when there is one. {@link MongoValidations} has the usual ones: document counts before/after,
 * a predicate over sampled documents, index existence. Results go to the run report and to
 * {@code mongodb_migration_validations_total{version,check,status}}.
 */
public interface MongoValidation {

    /** The check's name: the {@code check} tag (capped in cardinality) and the report key. */
    String name();

    /**
     * Captures what the check needs from before the migration (e.g. a count); called before {@link MongoMigration#up}.
     * The default captures nothing.
     */
    default Object before(MongoMigrationContext context) throws Exception {
        return null;
    }

    /**
     * Checks the migration's effect.
     *
     * @param before what {@link #before} returned
     */
    ValidationResult verify(MongoMigrationContext context, Object before) throws Exception;
}
