package io.migmon.core;

import java.util.concurrent.atomic.LongAdder;

/**
 * The rows of one table of an {@link ObservableMigration}: the {@code migration_rows_total{table_name}} counter
 * itself (registered as a Micrometer {@code FunctionCounter} that reads this adder) and the table's share of the
 * run's progress. Obtained once from {@link MigrationRun#rowCounter(String)} by hosts that record rows in a hot loop
 * and want to skip the per-call table look-up of {@link MigrationRun#recordRows(String, long)}: {@link #add(long)} is
 * one atomic add.
 *
 * <p><b>The handle belongs to the migration, not to one run</b>: rows added through it count for the progress of the
 * run that is active when they are added (a handle kept across runs counts for the next run), and rows added between
 * runs for no run. Each run's progress is the tables' rows minus what they held at the run's start, frozen at its end.
 * A host whose workers may outlive their run (an aborted run's worker still writing while the next run starts) should
 * record through {@link MigrationRun#recordRows(String, long)}, which knows the run it was called on: rows recorded on
 * an ended run count in this counter only, not in any run's progress. Thread-safe.
 */
public final class RowCounter {
    private final String table;
    private final LongAdder rows = new LongAdder();
    // rows recorded through an ended MigrationRun: exported, in no run's progress
    private final LongAdder lateRows = new LongAdder();

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

    /** Rows counted since the migration was built (all runs, and rows recorded on ended runs), the counter's value. */
    public long count() {
        return rows.sum() + lateRows.sum();
    }

    /** The rows that progress sums: all but those recorded through an ended run. */
    long progressCount() {
        return rows.sum();
    }

    /** Rows recorded through a run that had already ended: exported, counted for no run's progress. */
    void addLate(long rows) {
        if (rows > 0) {
            lateRows.add(rows);
        }
    }

    double countAsDouble() {
        return count();
    }

    @Override
    public String toString() {
        return "RowCounter{" + table + "=" + count() + "}";
    }
}
