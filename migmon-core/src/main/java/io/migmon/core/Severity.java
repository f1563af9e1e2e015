package io.migmon.core;

import java.util.Locale;

/** How urgent an anomaly (or an alert built from it) is, from least to most severe. */
public enum Severity {
    INFO,
    WARNING,
    ERROR,
    CRITICAL;

    /** The value of the {@code severity} tag: the lowercase name. */
    public String tagValue() {
        return name().toLowerCase(Locale.ROOT);
    }
}
