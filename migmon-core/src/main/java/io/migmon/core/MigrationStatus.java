package io.migmon.core;

import java.util.Locale;

/** Lifecycle of a migration run. */
public enum MigrationStatus {
    /** Built, not started. */
    PENDING,
    /** Started, no outcome yet. */
    RUNNING,
    /** Finished without error. */
    SUCCESS,
    /** Finished with an error. */
    FAILED,
    /** Stopped before finishing: cancelled, interrupted, aborted on purpose, or closed without an outcome. */
    ABORTED;

    /** The value of the {@code status} tag: the lowercase name. */
    public String tagValue() {
        return name().toLowerCase(Locale.ROOT);
    }

    public boolean isTerminal() {
        return this == SUCCESS || this == FAILED || this == ABORTED;
    }
}
