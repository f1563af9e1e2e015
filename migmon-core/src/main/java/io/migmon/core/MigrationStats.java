package io.migmon.core;

import java.time.Instant;
import java.util.Optional;

/**
 * Counters of one run at one instant, for health checks and detectors. Immutable.
 *
 * @param migrationId    the migration's id
 * @param status         current status
 * @param startedAt      start of the run
 * @param finishedAt     end of the run, if finished
 * @param rows           rows recorded
 * @param errors         errors recorded
 * @param dataLagSeconds last recorded data lag, NaN if never recorded
 * @param lastProgressAt when rows were last recorded (the start if never)
 */
public record MigrationStats(
        String migrationId,
        MigrationStatus status,
        Instant startedAt,
        Optional<Instant> finishedAt,
        long rows,
        long errors,
        double dataLagSeconds,
        Instant lastProgressAt) {

    /** errors / (rows + errors), or 0 when nothing was recorded. */
    public double errorRate() {
        long total = rows + errors;
        return total == 0 ? 0.0 : (double) errors / total;
    }
}
