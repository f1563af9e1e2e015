package io.migmon.cli.internal;

import java.util.Locale;

/** The verdict of one check. */
public enum Verdict {
    /** Within the threshold. */
    PASS,
    /** Informational: shown, no threshold asked for. */
    INFO,
    /** Worth a look (degraded health, anomalies), does not fail the gate. */
    WARN,
    /** A threshold was breached or the migration failed: exit 1. */
    FAIL,
    /** Cannot be evaluated (no data, stale data): exit 2 unless another check failed. */
    UNKNOWN;

    /** Lowercase, as in the JSON output. */
    public String json() {
        return name().toLowerCase(Locale.ROOT);
    }
}
