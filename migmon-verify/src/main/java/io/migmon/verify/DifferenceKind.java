package io.migmon.verify;

import java.util.Locale;

/** How a row (or document) of the target differs from the source. */
public enum DifferenceKind {
    /** In the source, not in the target. */
    MISSING,
    /** In the target, not in the source. */
    EXTRA,
    /** In both, with at least one differing column (field). */
    CHANGED;

    /** The lowercase name used in the JSON report and as the {@code kind} tag. */
    public String tagValue() {
        return name().toLowerCase(Locale.ROOT);
    }
}
