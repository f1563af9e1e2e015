package io.migmon.core;

import io.migmon.core.progress.ProgressSnapshot;
import java.time.Duration;

/**
 * What a migration body uses to report its work. All methods are thread-safe, cheap, and never throw:
 * a failure inside migmon is counted in {@code migmon_observability_failures_total} and logged once.
 */
public interface MigrationContext {

    /** The migration's id (the {@code migration_id} tag). */
    String migrationId();

    /**
     * Records {@code rows} rows written to {@code table}; feeds {@code migration_rows_total} and progress.
     *
     * @param table table (or collection) name; null or empty becomes {@code unknown}; capped in cardinality
     * @param rows  rows in this batch; zero or negative is ignored
     */
    void recordRows(String table, long rows);

    /** Counts an error in {@code migration_errors_total} with {@code error_type} = the exception's simple name. */
    void recordError(Throwable error);

    /** Counts an error of the given type (e.g. {@code "DuplicateKey"}). */
    void recordError(String errorType);

    /** Sets how far the migrated data trails the source ({@code migration_data_lag_seconds}). */
    void recordDataLag(Duration lag);

    /** Declares or corrects the total rows expected, enabling progress ratio and ETA. */
    void expectRows(long totalRows);

    /** Current progress: rows done, throughput, ratio and ETA. */
    ProgressSnapshot progress();
}
