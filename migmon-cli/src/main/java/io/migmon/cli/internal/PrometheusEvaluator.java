package io.migmon.cli.internal;

import io.migmon.cli.internal.PrometheusApi.Sample;
import io.migmon.cli.internal.PrometheusApi.Series;
import io.migmon.core.metrics.MetricCatalog;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Asks Prometheus about one migration and judges it: status, freshness, data lag, CDC lags, errors, health,
 * anomalies. All PromQL comes from {@link MetricQueries}.
 */
public final class PrometheusEvaluator {

    private static final Set<String> TERMINAL = Set.of("success", "failed", "aborted");
    /** Staleness: no sample newer than this many scrape intervals (when --stale-after is not given). */
    static final int STALE_INTERVALS = 5;

    private final PrometheusApi api;
    private final MetricQueries q;
    private final String migrationId;
    private final String window;
    private final Duration staleAfter;
    private final Thresholds thresholds;

    /**
     * @param staleAfter fixed staleness limit, or null for {@value #STALE_INTERVALS} observed scrape intervals
     */
    public PrometheusEvaluator(PrometheusApi api, MetricQueries queries, String migrationId, String window,
            Duration staleAfter, Thresholds thresholds) {
        this.api = api;
        this.q = queries;
        this.migrationId = migrationId;
        this.window = window;
        this.staleAfter = staleAfter;
        this.thresholds = thresholds;
    }

    /**
     * Where the migration's status series stands.
     *
     * @param status     current status (the state-set member that is 1 at the newest sample)
     * @param lastSample time of the newest sample
     * @param interval   observed scrape interval (median spacing of the newest samples)
     * @param now        Prometheus' clock
     * @param scope      job/instance labels of the target carrying the migration's meters
     */
    public record StatusFacts(String status, Instant lastSample, Duration interval, Instant now,
            Map<String, String> scope) {

        public boolean terminal() {
            return TERMINAL.contains(status);
        }

        public Duration age() {
            return Duration.between(lastSample, now);
        }
    }

    /**
     * The status facts, or a {@link CannotEvaluateException} when Prometheus has no series for the migration id
     * within the window (the message lists the ids it knows).
     */
    public StatusFacts status() {
        Instant now = api.serverTime();
        List<Series> series = api.query(q.statusSamples(window));
        if (series.isEmpty()) {
            throw new CannotEvaluateException(noSeriesMessage());
        }
        // group the state set's members by target; keep the target with the newest sample
        Map<Map<String, String>, List<Series>> byTarget = new LinkedHashMap<>();
        for (Series s : series) {
            byTarget.computeIfAbsent(scopeOf(s.labels()), k -> new ArrayList<>()).add(s);
        }
        Map.Entry<Map<String, String>, List<Series>> newest = byTarget.entrySet().stream()
                .max(Comparator.comparing(e -> newestSample(e.getValue()))).orElseThrow();
        Instant last = newestSample(newest.getValue());
        String status = "unknown";
        Series longest = null;
        for (Series s : newest.getValue()) {
            Sample at = s.last();
            if (at != null && at.at().equals(last) && at.value() == 1.0) {
                status = s.labels().getOrDefault(MetricCatalog.STATUS, "unknown");
            }
            if (longest == null || s.samples().size() > longest.samples().size()) {
                longest = s;
            }
        }
        return new StatusFacts(status, last, interval(longest), now, newest.getKey());
    }

    private String noSeriesMessage() {
        String known;
        try {
            known = api.query(q.knownMigrations(window)).stream()
                    .map(s -> s.labels().get(MetricCatalog.MIGRATION_ID)).filter(java.util.Objects::nonNull)
                    .sorted().limit(20).collect(Collectors.joining(", "));
        } catch (CannotEvaluateException e) {
            known = "";
        }
        return "no series " + q.ofMigration(MetricCatalog.MIGRATION_STATUS) + " in Prometheus at " + api.shownUrl()
                + " within the last " + window + (known.isEmpty()
                        ? "; Prometheus has no migmon migration meters" + (q.name(MetricCatalog.MIGRATION_STATUS)
                                .equals(MetricCatalog.MIGRATION_STATUS.prometheusName()) ? "" : " with this prefix")
                                + " at all"
                        : "; migration ids it knows: " + known)
                + ". Check --migration-id, --metrics-prefix, and that Prometheus scrapes the registry the migration"
                + " records to (its /targets page).";
    }

    /** Evaluates every check once. */
    public CheckResult evaluate(String dashboardUrl) {
        StatusFacts f = status();
        String where = "over the last " + window;
        List<Check> checks = new ArrayList<>();
        checks.add(freshness(f));
        checks.add(Checks.status(f.status(), thresholds.requireStatus(), false));

        double[] lag = lagStats(f.scope());
        checks.add(Checks.dataLag(lag[0], lag[1], thresholds.maxLagSeconds(), where));

        Map<String, Double> cdc = new LinkedHashMap<>();
        cdc.put("replication_lag", scalar(q.maxOverWindow(MetricCatalog.CDC_REPLICATION_LAG, f.scope(), window)));
        cdc.put("consumer_lag", scalar(q.maxOverWindow(MetricCatalog.CDC_CONSUMER_LAG_SECONDS, f.scope(), window)));
        checks.addAll(Checks.cdcLags(cdc, thresholds.maxReplicationLagSeconds(), where));

        checks.addAll(errorChecks(where));

        Check health = health();
        if (health != null) {
            checks.add(health);
        }
        checks.add(Checks.anomalies(anomalies()));
        return new CheckResult(migrationId, "prometheus", api.shownUrl(), f.status(), window, f.now(), checks,
                dashboardUrl, null);
    }

    /** A result for a failure to evaluate at all (Prometheus down, no series). */
    public CheckResult cannotEvaluate(String dashboardUrl, String error) {
        return CheckResult.cannotEvaluate(migrationId, "prometheus", api.shownUrl(), window, Instant.now(),
                dashboardUrl, error);
    }

    /** The verdict of the freshness check alone. */
    public Verdict freshnessVerdict(StatusFacts f) {
        return freshness(f).verdict();
    }

    /** The freshness check: stale data while the run is not finished is UNKNOWN. */
    public Check freshness(StatusFacts f) {
        Duration limit = staleLimit(f);
        String age = Thresholds.seconds(f.age().toMillis() / 1000.0);
        String threshold = "<= " + Thresholds.seconds(limit.toMillis() / 1000.0);
        double ageSeconds = f.age().toMillis() / 1000.0;
        if (f.terminal()) {
            return new Check("freshness", Verdict.PASS, ageSeconds, age, threshold, limit.toMillis() / 1000.0,
                    "seconds", "newest sample is " + age + " old; the run ended, its final status was scraped");
        }
        if (f.age().compareTo(limit) > 0) {
            return new Check("freshness", Verdict.UNKNOWN, ageSeconds, age, threshold, limit.toMillis() / 1000.0,
                    "seconds", "stale data: the newest sample of " + q.ofMigration(MetricCatalog.MIGRATION_STATUS)
                            + " is " + age + " old (limit " + Thresholds.seconds(limit.toMillis() / 1000.0)
                            + (staleAfter == null ? ", " + STALE_INTERVALS + " scrape intervals of "
                                    + Thresholds.seconds(f.interval().toMillis() / 1000.0) : "")
                            + ") and says " + f.status() + ": the process stopped or is no longer scraped; check the"
                            + " target " + f.scope() + " in Prometheus' /targets page");
        }
        return new Check("freshness", Verdict.PASS, ageSeconds, age, threshold, limit.toMillis() / 1000.0, "seconds",
                "newest sample is " + age + " old");
    }

    Duration staleLimit(StatusFacts f) {
        if (staleAfter != null) {
            return staleAfter;
        }
        Duration d = f.interval().multipliedBy(STALE_INTERVALS);
        return d.compareTo(Duration.ofSeconds(5)) < 0 ? Duration.ofSeconds(5) : d;
    }

    /** [max, last] of the migration's data lag within the window on its target; NaN when none. */
    double[] lagStats(Map<String, String> scope) {
        double max = Double.NaN;
        double last = Double.NaN;
        Instant lastAt = Instant.MIN;
        for (Series s : api.query(q.dataLagSamples(window))) {
            if (!scope.isEmpty() && !scope.equals(scopeOf(s.labels()))) {
                continue;
            }
            for (Sample sample : s.samples()) {
                double v = sample.value();
                if (Double.isNaN(v)) {
                    continue; // no value; +Inf stays: an infinite lag is a breach, not missing data
                }
                if (Double.isNaN(max) || v > max) {
                    max = v;
                }
                if (!sample.at().isBefore(lastAt)) {
                    lastAt = sample.at();
                    last = v;
                }
            }
        }
        return new double[] {max, last};
    }

    private Check health() {
        String name = thresholds.healthCheck() != null ? thresholds.healthCheck() : "migration:" + migrationId;
        List<Series> series = api.query(q.healthSamples(name, window));
        if (series.isEmpty()) {
            if (thresholds.healthCheck() == null) {
                return null;
            }
            return Check.unknown("health", "not DOWN", Double.NaN, null, "no series "
                    + q.name(MetricCatalog.HEALTH_STATUS) + "{check=\"" + name + "\"} within the last " + window
                    + ": check --health-check (the HealthCheck's name bound with HealthMeters)");
        }
        Instant newest = newestSample(series);
        String status = "unknown";
        for (Series s : series) {
            Sample at = s.last();
            if (at != null && at.at().equals(newest) && at.value() == 1.0) {
                status = s.labels().getOrDefault(MetricCatalog.STATUS, "unknown");
            }
        }
        return Checks.health(name, status, List.of());
    }

    private Map<String, Long> anomalies() {
        Map<String, Long> out = new LinkedHashMap<>();
        for (Series s : api.query(q.anomaliesByType(window))) {
            Sample v = s.last();
            if (v != null && v.value() > 0) {
                out.put(s.labels().getOrDefault(MetricCatalog.TYPE, "?") + " ("
                        + s.labels().getOrDefault(MetricCatalog.SEVERITY, "?") + ")", Math.round(v.value()));
            }
        }
        return out;
    }

    /** The first value of an instant query, NaN when empty. */
    public double scalar(String promql) {
        List<Series> r = api.query(promql);
        if (r.isEmpty() || r.get(0).last() == null) {
            return Double.NaN;
        }
        return r.get(0).last().value();
    }

    /**
     * Error rate and error count. The rows counter must have a series (else the checks are UNKNOWN: a gate never
     * passes on missing data); the errors counter is created at the first error, so no errors series next to a rows
     * series means no error. NaN or negative counters are UNKNOWN; an infinite error counter is a breach.
     */
    List<Check> errorChecks(String where) {
        Double errors = valueOrNull(q.counterTotal(MetricCatalog.MIGRATION_ERRORS, window));
        Double rows = valueOrNull(q.counterTotal(MetricCatalog.MIGRATION_ROWS, window));
        String problem = null;
        if (rows == null) {
            problem = "no series " + q.ofMigration(MetricCatalog.MIGRATION_ROWS) + " " + where
                    + ": the migration recorded no rows (MigrationContext.recordRows) or its counters are not scraped";
        } else if (Double.isNaN(rows) || rows < 0 || Double.isInfinite(rows)) {
            problem = q.ofMigration(MetricCatalog.MIGRATION_ROWS) + " is " + rows + " " + where
                    + ", not a row count";
        } else if (errors != null && (Double.isNaN(errors) || errors < 0)) {
            problem = q.ofMigration(MetricCatalog.MIGRATION_ERRORS) + " is " + errors + " " + where
                    + ", not an error count";
        }
        if (problem == null) {
            return Checks.errors(errors == null ? 0.0 : errors, rows, thresholds.maxErrorRate(),
                    thresholds.maxErrors(), where);
        }
        List<Check> out = new ArrayList<>();
        if (thresholds.maxErrorRate() == null && thresholds.maxErrors() == null) {
            out.add(Check.info("error_rate", Double.NaN, "no data", "ratio", problem));
            return out;
        }
        if (thresholds.maxErrorRate() != null) {
            out.add(Check.unknown("error_rate", "<= " + Thresholds.percent(thresholds.maxErrorRate()),
                    thresholds.maxErrorRate(), "ratio", problem + ": cannot check --max-error-rate "
                            + thresholds.maxErrorRate()));
        }
        if (thresholds.maxErrors() != null) {
            out.add(Check.unknown("errors", "<= " + thresholds.maxErrors(), thresholds.maxErrors(), "errors",
                    problem + ": cannot check --max-errors " + thresholds.maxErrors()));
        }
        return out;
    }

    /** The first value of an instant query, null when Prometheus has no series (NaN is a value). */
    Double valueOrNull(String promql) {
        List<Series> r = api.query(promql);
        if (r.isEmpty() || r.get(0).last() == null) {
            return null;
        }
        return r.get(0).last().value();
    }

    static Map<String, String> scopeOf(Map<String, String> labels) {
        Map<String, String> scope = new LinkedHashMap<>();
        for (String k : List.of("job", "instance")) {
            if (labels.containsKey(k)) {
                scope.put(k, labels.get(k));
            }
        }
        return scope;
    }

    private static Instant newestSample(List<Series> series) {
        Instant newest = Instant.MIN;
        for (Series s : series) {
            Sample l = s.last();
            if (l != null && l.at().isAfter(newest)) {
                newest = l.at();
            }
        }
        return newest;
    }

    private static Duration interval(Series s) {
        if (s == null || s.samples().size() < 2) {
            return Duration.ofSeconds(15);
        }
        List<Sample> samples = s.samples();
        List<Long> deltas = new ArrayList<>();
        for (int i = Math.max(1, samples.size() - 11); i < samples.size(); i++) {
            deltas.add(Duration.between(samples.get(i - 1).at(), samples.get(i).at()).toMillis());
        }
        deltas.sort(null);
        return Duration.ofMillis(Math.max(1, deltas.get(deltas.size() / 2)));
    }

    public MetricQueries queries() {
        return q;
    }

    public PrometheusApi api() {
        return api;
    }

    public String window() {
        return window;
    }
}
