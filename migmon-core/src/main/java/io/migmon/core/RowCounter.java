package io.migmon.core;

import java.util.concurrent.atomic.LongAdder;

/**
 * The rows of one table of an {@link ObservableMigration}: the {@code migration_rows_total{table_name}} counter
 * itself (registered as a Micrometer {@code FunctionCounter} that reads this adder) and the table's share of the
 * run's progress. Obtained once from {@link MigrationRun#rowCounter(String)} by hosts that record rows in a hot loop
 * and want to skip the per-call table look-up of {@link MigrationRun#recordRows(String, long)}: {@link #add(long)} is
 * one atomic add. The handle belongs to the migration, not to one run: rows added while a run is active count for that
 * run's progress. Thread-safe.
 */
public final class RowCounter {
    private final String table;
    private final LongAdder rows = new LongAdder();

    RowCounter(String table) {
        this.table = table;
    }

    /** Adds {@code rows} (zero and negative values are ignored). Never throws. */
    public void add(long rows) {
        if (rows > 0) {
            this.rows.add(rows);
        }
    }

    /** The table name as given (before the tag cardinality cap). */
    public String table() {
        return table;
    }

    /** Rows counted since the migration was built (all runs), the counter's value. */
    public long count() {
        return rows.sum();
    }

    double countAsDouble() {
        return rows.sum();
    }

    @Override
    public String toString() {
        return "RowCounter{" + table + "=" + rows.sum() + "}";
    }
}
