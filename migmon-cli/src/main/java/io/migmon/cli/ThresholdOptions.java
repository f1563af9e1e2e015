package io.migmon.cli;

import io.migmon.cli.internal.Thresholds;
import java.time.Duration;
import java.util.Set;
import java.util.regex.Pattern;
import picocli.CommandLine.Option;

/** The gate's thresholds, shared by check and watch. */
final class ThresholdOptions {

    private static final Pattern WINDOW = Pattern.compile("(?:[0-9]+(?:ms|s|m|h|d|w|y))+");
    private static final Set<String> STATUSES = Set.of("pending", "running", "success", "failed", "aborted");

    @Option(names = "--max-lag", paramLabel = "SECONDS", converter = Durations.class,
            description = "Fail when the data lag (migration_data_lag_seconds) exceeded this within the window (300, 5m)")
    Duration maxLag;

    @Option(names = "--max-replication-lag", paramLabel = "SECONDS", converter = Durations.class,
            description = "Fail when the CDC replication lag or consumer lag (seconds) exceeded this within the window")
    Duration maxReplicationLag;

    @Option(names = "--max-error-rate", paramLabel = "RATIO",
            description = "Fail when errors / rows exceeds this (0.01 = 1%%)")
    Double maxErrorRate;

    @Option(names = "--max-errors", paramLabel = "N", description = "Fail when more than N errors were recorded")
    Long maxErrors;

    @Option(names = "--require-status", paramLabel = "STATUS",
            description = "Fail unless the status is this (e.g. success). Failed and aborted always fail.")
    String requireStatus;

    @Option(names = "--health-check", paramLabel = "NAME",
            description = "Name of the health check to read from migmon_health_status. Default: migration:<id> when present")
    String healthCheck;

    @Option(names = "--window", paramLabel = "DURATION", defaultValue = "15m",
            description = "Look-back window of the checks (Prometheus duration). Default: ${DEFAULT-VALUE}")
    String window;

    @Option(names = "--stale-after", paramLabel = "DURATION", converter = Durations.class,
            description = "Data older than this is stale while the migration is not finished. Default: "
                    + "5 observed scrape intervals (at least 5 s)")
    Duration staleAfter;

    Thresholds thresholds() {
        if (maxErrorRate != null && (maxErrorRate < 0 || maxErrorRate.isNaN())) {
            throw new UsageException("--max-error-rate must be a ratio >= 0 (0.01 = 1%), was " + maxErrorRate);
        }
        if (maxErrors != null && maxErrors < 0) {
            throw new UsageException("--max-errors must be >= 0, was " + maxErrors);
        }
        if (requireStatus != null && !STATUSES.contains(requireStatus)) {
            throw new UsageException("--require-status must be one of " + STATUSES + ", was '" + requireStatus + "'");
        }
        if (!WINDOW.matcher(window).matches()) {
            throw new UsageException("--window must be a Prometheus duration such as 15m, 2h or 1h30m, was '"
                    + window + "'");
        }
        Duration w = Durations.parse(window);
        if (w.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new UsageException("--window must be at least 1s (and should span several scrape intervals, e.g."
                    + " 15m), was '" + window + "'");
        }
        if (staleAfter != null) {
            Durations.atLeast(staleAfter, Duration.ofSeconds(1), "--stale-after");
        }
        return new Thresholds(maxLag == null ? null : Durations.seconds(maxLag),
                maxReplicationLag == null ? null : Durations.seconds(maxReplicationLag), maxErrorRate, maxErrors,
                requireStatus, healthCheck);
    }
}
