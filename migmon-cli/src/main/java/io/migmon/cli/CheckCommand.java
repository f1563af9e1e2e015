package io.migmon.cli;

import io.migmon.cli.internal.CannotEvaluateException;
import io.migmon.cli.internal.Check;
import io.migmon.cli.internal.CheckResult;
import io.migmon.cli.internal.Grafana;
import io.migmon.cli.internal.PrometheusEvaluator;
import io.migmon.cli.internal.ReportEvaluator;
import io.migmon.cli.internal.Thresholds;
import io.migmon.cli.internal.Verdict;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code migmon check}: the CI gate. */
@Command(name = "check", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Gate a pipeline on a migration: status, data lag, CDC lag, error rate, errors, health and "
                + "staleness, from Prometheus (--prometheus-url) or from a run report (--report FILE).",
                "Exit codes: 0 every check passed, 1 a threshold was breached or the migration failed, 2 cannot "
                        + "evaluate (Prometheus unreachable, no series for the id, stale data, bad arguments)."})
final class CheckCommand implements Callable<Integer> {

    @ParentCommand
    MigmonCli root;

    @Option(names = "--migration-id", paramLabel = "ID", description = "The migration_id to check (required with --prometheus-url)")
    String migrationId;

    @Option(names = "--report", paramLabel = "FILE",
            description = "Check a JSON run report (written by RunReportWriter) instead of Prometheus")
    Path report;

    @Mixin
    PrometheusOptions prometheus;

    @Mixin
    ThresholdOptions thresholds;

    @Option(names = "--wait", description = "Poll until the migration leaves running (or --timeout), then check")
    boolean waitForEnd;

    @Option(names = "--timeout", paramLabel = "DURATION", converter = Durations.class, defaultValue = "2h",
            description = "With --wait: give up after this long (exit 1 if still running, 2 if never seen). Default: ${DEFAULT-VALUE}")
    Duration timeout;

    @Option(names = "--poll-interval", paramLabel = "DURATION", converter = Durations.class, defaultValue = "5s",
            description = "With --wait: time between polls. Default: ${DEFAULT-VALUE}")
    Duration pollInterval;

    @Option(names = "--grafana-url", paramLabel = "URL", converter = Urls.class,
            description = "Grafana: the dashboard link is printed; with GRAFANA_TOKEN set, an \"ended\" annotation is written")
    URI grafanaUrl;

    @Mixin
    Output output;

    @Override
    public Integer call() throws InterruptedException {
        Thresholds t = thresholds.thresholds();
        Durations.atLeast(timeout, Duration.ofSeconds(1), "--timeout");
        Durations.atLeast(pollInterval, Duration.ofSeconds(1), "--poll-interval");
        CheckResult result;
        if (report != null) {
            if (prometheus.prometheusUrl != null) {
                throw new UsageException("give either --report FILE or --prometheus-url URL, not both");
            }
            if (waitForEnd) {
                throw new UsageException("--wait needs --prometheus-url: a run report is written once, at the end");
            }
            try {
                result = ReportEvaluator.evaluate(report, migrationId, t);
            } catch (CannotEvaluateException e) {
                result = CheckResult.cannotEvaluate(migrationId == null ? "(from report)" : migrationId, "report",
                        report.toString(), null, Instant.now(), null, e.getMessage());
            }
        } else {
            if (migrationId == null || migrationId.isBlank()) {
                throw new UsageException("--migration-id is required with --prometheus-url");
            }
            result = checkPrometheus(t);
        }
        output.emit(root, result);
        if (result.exitCode() == MigmonCli.EXIT_CANNOT_EVALUATE && output.format == Output.Format.json) {
            root.err.println("migmon check: " + result.summary());
        }
        annotateEnd(result);
        return result.exitCode();
    }

    private CheckResult checkPrometheus(Thresholds t) throws InterruptedException {
        String dashboard = Grafana.dashboardUrl(grafanaUrl, prometheus.metricsOptions(), migrationId);
        PrometheusEvaluator ev = new PrometheusEvaluator(prometheus.api(root.env), prometheus.queries(migrationId),
                migrationId, thresholds.window, thresholds.staleAfter, t);
        long deadline = System.nanoTime() + timeout.toNanos();
        String lastWait = null;
        while (true) {
            boolean timeLeft = System.nanoTime() < deadline;
            try {
                PrometheusEvaluator.StatusFacts facts = ev.status();
                if (waitForEnd && !facts.terminal()) {
                    if (timeLeft && ev.freshness(facts).verdict() != Verdict.UNKNOWN) {
                        lastWait = waiting(lastWait, "status " + facts.status());
                        Thread.sleep(pollInterval.toMillis());
                        continue;
                    }
                    if (!timeLeft) {
                        return timedOut(ev.evaluate(dashboard), facts.status(), timeout);
                    }
                }
                return ev.evaluate(dashboard);
            } catch (CannotEvaluateException e) {
                if (waitForEnd && timeLeft) {
                    lastWait = waiting(lastWait, e.getMessage());
                    Thread.sleep(pollInterval.toMillis());
                    continue;
                }
                return ev.cannotEvaluate(dashboard, e.getMessage()
                        + (waitForEnd ? " (waited " + timeout.toSeconds() + " s)" : ""));
            }
        }
    }

    /** Adds a failed {@code wait} check: the run did not end within the timeout. */
    static CheckResult timedOut(CheckResult r, String status, Duration timeout) {
        List<Check> checks = new ArrayList<>(r.checks());
        checks.add(new Check("wait", Verdict.FAIL, Durations.seconds(timeout), "still " + status,
                "--timeout " + timeout.toSeconds() + " s", Durations.seconds(timeout), "seconds",
                "the migration is still " + status + " after --timeout " + timeout.toSeconds() + " s"));
        return new CheckResult(r.migrationId(), r.source(), r.sourceName(), r.status(), r.window(), r.evaluatedAt(),
                checks, r.dashboardUrl(), null);
    }

    private long lastWaitPrinted;

    /** Prints what the wait is waiting for when it changes, and at least once a minute. */
    private String waiting(String last, String what) {
        long now = System.nanoTime();
        if (!what.equals(last) || now - lastWaitPrinted > 60_000_000_000L) {
            lastWaitPrinted = now;
            root.err.println("migmon check: waiting for " + migrationId + " to end: " + what);
            root.err.flush();
        }
        return what;
    }

    private void annotateEnd(CheckResult result) {
        String token = root.env.get("GRAFANA_TOKEN");
        if (grafanaUrl == null || token == null || token.isBlank() || result.source().equals("report")) {
            return;
        }
        String problem;
        try {
            problem = Grafana.annotate(grafanaUrl, token, migrationId, "migration " + migrationId + " ended: "
                    + (result.status() == null ? "status unknown" : result.status()) + ", check " + result.verdict(),
                    Instant.now(), prometheus.httpTimeout);
        } catch (RuntimeException e) {
            // the annotation is decoration: it never changes the gate's verdict
            problem = "the \"ended\" annotation was not written (" + e.getClass().getSimpleName() + ")";
        }
        if (problem != null) {
            root.err.println("migmon check: warning: " + problem);
        }
    }
}
