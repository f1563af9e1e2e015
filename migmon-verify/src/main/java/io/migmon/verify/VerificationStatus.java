package io.migmon.verify;

import java.util.Locale;

/** Outcome of a verification, with the process exit code a CLI gates on (like {@code migmon check}). */
public enum VerificationStatus {
    /** Every row compared equal (after in-flight differences were re-checked). Exit code 0. */
    IDENTICAL(0),
    /** At least one verified difference. Exit code 1. */
    DIFFERENT(1),
    /**
     * No verified difference, but the result cannot be trusted: differences still in flight when the re-check
     * deadline passed (the CDC watermark did not advance far enough), or too many candidates to re-check. Exit code 2,
     * like a verification that could not run at all.
     */
    INCONCLUSIVE(2);

    private final int exitCode;

    VerificationStatus(int exitCode) {
        this.exitCode = exitCode;
    }

    /** 0 identical, 1 different, 2 cannot evaluate. */
    public int exitCode() {
        return exitCode;
    }

    /** The lowercase name used in the JSON report and as the {@code status} tag. */
    public String tagValue() {
        return name().toLowerCase(Locale.ROOT);
    }
}
