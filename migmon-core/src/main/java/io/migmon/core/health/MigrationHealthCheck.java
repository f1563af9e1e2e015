package io.migmon.core.health;

import io.migmon.core.MigrationRun;
import io.migmon.core.MigrationStats;
import io.migmon.core.MigrationStatus;
import io.migmon.core.ObservableMigration;
import io.migmon.core.support.Require;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * Health of one {@link ObservableMigration}'s current (active or last) run.
 *
 * <p><b>A running run</b> is judged by live thresholds:
 * <ul>
 *   <li>data lag above {@code maxDataLag} warning/limit → DEGRADED/DOWN;</li>
 *   <li>error rate (errors / (rows + errors)) above the warning/limit → DEGRADED/DOWN, once at least
 *       {@code minSamples} rows + errors were recorded (no alarm on 1 error in 3 rows);</li>
 *   <li>no rows recorded for {@code stalledAfter} → DOWN (see the bound below).</li>
 * </ul>
 *
 * <p><b>When a stall is seen.</b> Recording rows reads no clock (issue 16: one atomic add per call), so the time of
 * the last progress is the time of the first <em>read</em> of the run's progress that saw the rows move: any
 * {@code progress()}, {@code sample()} (an {@code AnomalyMonitor} or the host's sampler calls it on its schedule),
 * {@code stats()}, a scrape of the migration's gauges, or this check itself. If the last rows are recorded at
 * {@code t} and the reads of the run are at most {@code I} apart, the last progress is placed in
 * {@code [t, t + I]}, and the check reports DOWN at its first call after {@code t + stalledAfter + I}: a stall is
 * detected within the limit plus one read interval (plus the interval between this check's own calls). With a
 * sampler every 5 s and a 30 s limit, a run is DOWN by 35 s after its last row; with this check as the only reader,
 * called every {@code P}, by {@code stalledAfter + 2P} (rows at 0, checks at 31 s and 62 s with a 30 s limit: UP,
 * then DOWN). Read the run on a schedule shorter than the slack you accept (the {@code AnomalyMonitor}'s sampling or
 * a Prometheus scrape of the gauges is that reader). The stall never comes early: idle time is never overstated.
 *
 * <p><b>A planned pause</b> ({@link MigrationRun#pause(String)}) is not a stall: while it lasts the stall check is
 * not made and the reason is in the details ({@code paused=<reason>}); after {@link MigrationRun#resume()} the idle
 * time counts from the resume, not from the last rows before the pause. Data lag and error rate are still judged
 * during a pause (a replica left behind is stale whatever the reason).
 *
 * <p><b>A finished run</b> is judged by its outcome only: {@code success} → UP, {@code failed} → DOWN,
 * {@code aborted} → DEGRADED. Its last data lag, error rate and idle time are history, not a current condition (the
 * lag recorded while catching up would otherwise keep a completed backfill DOWN forever); they stay in the details
 * ({@code lastDataLagSeconds}, {@code errorRate}) for information, with {@code finishedAt}.
 *
 * <p><b>Before the first run</b> ({@code pending}) the check is UP with the detail {@code status=pending}.
 *
 * <p>Details are plain values (strings and numbers, see {@link Health}). Immutable and thread-safe.
 */
public final class MigrationHealthCheck implements HealthCheck {

    private final String name;
    private final ObservableMigration migration;
    private final Clock clock;
    private final Duration lagWarning;
    private final Duration lagLimit;
    private final double errorRateWarning;
    private final double errorRateLimit;
    private final long minSamples;
    private final Duration stalledAfter;

    private MigrationHealthCheck(Builder b) {
        this.name = b.name == null ? "migration:" + b.migration.migrationId() : b.name;
        this.migration = b.migration;
        this.clock = b.clock;
        this.lagWarning = b.lagWarning;
        this.lagLimit = b.lagLimit;
        this.errorRateWarning = b.errorRateWarning;
        this.errorRateLimit = b.errorRateLimit;
        this.minSamples = b.minSamples;
        this.stalledAfter = b.stalledAfter;
    }

    public static Builder builder(ObservableMigration migration) {
        return new Builder(migration);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Health check() {
        MigrationRun run = migration.currentRun().orElse(null);
        MigrationStats s = run == null ? null : run.stats();
        Health.Builder b = Health.builder().detail("status", migration.status().tagValue());
        if (s == null) {
            return b.build();
        }
        b.detail("rows", s.rows()).detail("errors", s.errors());
        long samples = s.rows() + s.errors();
        double rate = s.errorRate();
        double lag = s.dataLagSeconds();
        if (s.status() != MigrationStatus.RUNNING) {
            // finished: judged by the outcome alone (see the class comment)
            s.finishedAt().ifPresent(t -> b.detail("finishedAt", t));
            if (!Double.isNaN(lag)) {
                b.detail("lastDataLagSeconds", lag);
            }
            b.detail("errorRate", rate);
            if (s.status() == MigrationStatus.FAILED) {
                b.down("migration " + s.migrationId() + " failed");
            } else if (s.status() == MigrationStatus.ABORTED) {
                b.degraded("migration " + s.migrationId() + " was aborted");
            }
            return b.build();
        }
        if (!Double.isNaN(lag)) {
            b.detail("dataLagSeconds", lag);
            if (lagLimit != null && lag > seconds(lagLimit)) {
                b.down(String.format("data lag %.1f s is above the limit of %s s", lag, fmt(lagLimit)));
            } else if (lagWarning != null && lag > seconds(lagWarning)) {
                b.degraded(String.format("data lag %.1f s is above the warning level of %s s", lag, fmt(lagWarning)));
            }
        }
        b.detail("errorRate", rate);
        if (samples >= minSamples) {
            if (rate > errorRateLimit) {
                b.down(String.format("error rate %.2f%% (%d errors in %d) is above the limit of %.2f%%",
                        rate * 100, s.errors(), samples, errorRateLimit * 100));
            } else if (rate > errorRateWarning) {
                b.degraded(String.format("error rate %.2f%% (%d errors in %d) is above the warning level of %.2f%%",
                        rate * 100, s.errors(), samples, errorRateWarning * 100));
            }
        }
        String pause = run.paused().orElse(null);
        if (pause != null) {
            // a planned pause: no progress is expected, so neither a stall nor slow progress is judged
            b.detail("paused", pause);
            return b.build();
        }
        if (stalledAfter != null) {
            Instant since = s.lastProgressAt();
            Instant resumed = run.lastResumedAt().orElse(null);
            if (resumed != null && resumed.isAfter(since)) {
                since = resumed; // the pause is not idle time
            }
            Duration idle = Duration.between(since, clock.instant());
            b.detail("secondsSinceProgress", idle.toMillis() / 1000.0);
            if (idle.compareTo(stalledAfter) > 0) {
                b.down(String.format("no progress for %.0f s (stalled after %s s)", idle.toMillis() / 1000.0,
                        fmt(stalledAfter)));
            }
        }
        return b.build();
    }

    private static double seconds(Duration d) {
        return d.toMillis() / 1000.0;
    }

    private static String fmt(Duration d) {
        double s = seconds(d);
        return s == Math.rint(s) ? Long.toString((long) s) : Double.toString(s);
    }

    /** Builder; validates eagerly, not thread-safe. Defaults: no lag limits, error rate 0.1% / 1% after 100 samples, no stall check. */
    public static final class Builder {
        private final ObservableMigration migration;
        private String name;
        private Clock clock = Clock.systemUTC();
        private Duration lagWarning;
        private Duration lagLimit;
        private double errorRateWarning = 0.001;
        private double errorRateLimit = 0.01;
        private long minSamples = 100;
        private Duration stalledAfter;

        private Builder(ObservableMigration migration) {
            this.migration = Require.notNull(migration, "migration");
        }

        public Builder name(String name) {
            this.name = Require.notBlank(name, "name");
            return this;
        }

        /** Clock for the stall check; use the migration's clock. */
        public Builder clock(Clock clock) {
            this.clock = Require.notNull(clock, "clock");
            return this;
        }

        /** DEGRADED above {@code warning}, DOWN above {@code limit} (the seed's dashboard uses 60 s and 300 s). */
        public Builder maxDataLag(Duration warning, Duration limit) {
            bounded(warning, "maxDataLag warning");
            bounded(limit, "maxDataLag limit");
            Require.argument(warning.compareTo(limit) <= 0,
                    "maxDataLag warning (" + warning + ") must not exceed limit (" + limit + ")");
            this.lagWarning = warning;
            this.lagLimit = limit;
            return this;
        }

        /** Error-rate levels as fractions (0.01 = 1%), judged only after {@code minSamples} rows + errors. */
        public Builder maxErrorRate(double warning, double limit, long minSamples) {
            Require.between(warning, 0, 1, "maxErrorRate warning");
            Require.between(limit, 0, 1, "maxErrorRate limit");
            Require.argument(warning <= limit,
                    "maxErrorRate warning (" + warning + ") must not exceed limit (" + limit + ")");
            Require.atLeast(minSamples, 1, "maxErrorRate minSamples");
            this.errorRateWarning = warning;
            this.errorRateLimit = limit;
            this.minSamples = minSamples;
            return this;
        }

        /**
         * DOWN when a running migration records no rows for longer than this; detected within this limit plus one
         * interval between reads of the run's progress (see the class comment).
         */
        public Builder stalledAfter(Duration d) {
            this.stalledAfter = bounded(d, "stalledAfter");
            return this;
        }

        /** Positive and at most 365 days: a longer duration is a mistake, and a huge one overflowed check(). */
        private static Duration bounded(Duration d, String field) {
            Require.positive(d, field);
            Require.argument(d.compareTo(Duration.ofDays(365)) <= 0, field + " must be at most 365 days, was " + d);
            return d;
        }

        public MigrationHealthCheck build() {
            return new MigrationHealthCheck(this);
        }
    }
}
