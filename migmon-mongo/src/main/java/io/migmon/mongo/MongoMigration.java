package io.migmon.mongo;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * One versioned MongoDB migration, run at most once per database by {@link MongoMigrationRunner}.
 *
 * <pre>{@code
 * final class V2AddStatus implements MongoMigration {
 *     public String version() { return "2"; }
 *     public String description() { return "orders get a status"; }
 *     public void up(MongoMigrationContext ctx) {
 *         var orders = ctx.collection("orders");
 *         UpdateResult r = ctx.await(
 *                 s -> orders.updateMany(s, Filters.exists("status", false), Updates.set("status", "new")),
 *                 () -> orders.updateMany(Filters.exists("status", false), Updates.set("status", "new")));
 *         ctx.documents("orders", r.getModifiedCount());
 *     }
 * }
 * }</pre>
 *
 * <p>{@link #up} runs on the thread that called {@link MongoMigrationRunner#run()}, inside a transaction when the
 * runner uses one (then every operation must pass {@link MongoMigrationContext#session()}). Implementations should be
 * stateless; the runner may call them from different threads in successive runs.
 */
public interface MongoMigration {

    /**
     * The version: dot-separated non-negative integers ({@code "1"}, {@code "1.2"}, {@code "2024.11.25.1"}).
     * Migrations run in numeric version order; the version is the {@code version} tag of the
     * {@code mongodb_migration_*} meters and the changelog key, so it must never change once applied.
     */
    String version();

    /** A short human description, stored in the changelog and logged. */
    String description();

    /** Applies the migration. Throwing fails it: the transaction (if any) is aborted and the run stops. */
    void up(MongoMigrationContext context) throws Exception;

    /**
     * Reverts the migration, for {@link MongoMigrationRunner#undo(String)}. The default throws
     * {@link UnsupportedOperationException}: most MongoDB migrations are forward-only.
     */
    default void down(MongoMigrationContext context) throws Exception {
        throw new UnsupportedOperationException("migration " + version() + " has no down()");
    }

    /**
     * Documents this migration expects to write, enabling {@code migration_progress_ratio} and
     * {@code migration_eta_seconds}; negative (the default) when unknown. {@link MongoMigrationContext#expectDocuments}
     * can set or correct it at run time (e.g. after counting the source).
     */
    default long expectedDocuments() {
        return -1;
    }

    /**
     * Whether this migration may run in a transaction (default true). Return false for migrations that create
     * collections or indexes on servers that refuse it inside transactions, or that exceed transaction limits; they run
     * without one even when the runner uses transactions, and the report says {@code transactional=false}.
     */
    default boolean transactional() {
        return true;
    }

    /** Checks run after {@link #up} and before the commit; a failed check fails the migration. Default: none. */
    default List<MongoValidation> validations() {
        return List.of();
    }

    /**
     * The checksum stored in the changelog. A different checksum for an already applied version is an error (the
     * code that ran is not the code you have now). The default is a SHA-256 over version, description and class name;
     * override it (e.g. with a hash of the pipeline or update documents) to also detect changes in the body.
     */
    default String checksum() {
        String basis = version() + "\n" + description() + "\n" + getClass().getName();
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(basis.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 unavailable", e);
        }
    }
}
