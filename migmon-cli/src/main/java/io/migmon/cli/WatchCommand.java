package io.migmon.cli;

import io.migmon.cli.internal.CannotEvaluateException;
import io.migmon.cli.internal.CheckResult;
import io.migmon.cli.internal.Grafana;
import io.migmon.cli.internal.MetricQueries;
import io.migmon.cli.internal.PrometheusApi;
import io.migmon.cli.internal.PrometheusEvaluator;
import io.migmon.cli.internal.Thresholds;
import io.migmon.cli.internal.Verdict;
import io.migmon.core.metrics.MetricCatalog;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code migmon watch}: a live view of one migration; exits like {@code check} when the run ends. */
@Command(name = "watch", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Live view of a migration: progress bar, rows, throughput, ETA, data/replication lag, errors, "
                + "health and anomalies, refreshed every --interval. In a non-interactive log (CI) one plain line per "
                + "interval.", "When the migration ends it runs the checks of 'check' and exits with the same codes "
                        + "(0 passed, 1 breached or failed, 2 cannot evaluate)."})
final class WatchCommand implements Callable<Integer> {

    private static final int BAR = 30;

    @ParentCommand
    MigmonCli root;

    @Option(names = "--migration-id", paramLabel = "ID", required = true, description = "The migration_id to watch")
    String migrationId;

    @Mixin
    PrometheusOptions prometheus;

    @Mixin
    ThresholdOptions thresholds;

    @Option(names = "--interval", paramLabel = "DURATION", converter = Durations.class, defaultValue = "5s",
            description = "Refresh interval. Default: ${DEFAULT-VALUE}")
    Duration interval;

    @Option(names = "--timeout", paramLabel = "DURATION", converter = Durations.class, defaultValue = "24h",
            description = "Give up after this long (exit 2 if never seen, 1 if still running). Default: ${DEFAULT-VALUE}")
    Duration timeout;

    @Option(names = "--plain", description = "One plain line per interval even on a terminal")
    boolean plain;

    @Option(names = "--tty", description = "Redraw in place even when no terminal is detected")
    boolean tty;

    @Option(names = "--grafana-url", paramLabel = "URL", converter = Urls.class, description = "Grafana, for the dashboard link")
    URI grafanaUrl;

    @Mixin
    Output output;

    private int drawnLines;
    private String shownUrl = "";

    @Override
    public Integer call() throws InterruptedException {
        Thresholds t = thresholds.thresholds();
        Durations.atLeast(interval, java.time.Duration.ofSeconds(1), "--interval");
        Durations.atLeast(timeout, java.time.Duration.ofSeconds(1), "--timeout");
        PrometheusApi api = prometheus.api(root.env);
        shownUrl = api.shownUrl();
        // with --output json, stdout carries only the final JSON document: the live lines go to stderr
        java.io.PrintWriter view = output.format == Output.Format.json ? root.err : root.out;
        MetricQueries q = prometheus.queries(migrationId);
        PrometheusEvaluator ev = new PrometheusEvaluator(api, q, migrationId, thresholds.window, thresholds.staleAfter, t);
        String dashboard = Grafana.dashboardUrl(grafanaUrl, prometheus.metricsOptions(), migrationId);
        boolean interactive = !plain && (tty || (System.console() != null && !"dumb".equals(root.env.get("TERM"))
                && root.env.get("CI") == null));
        long deadline = System.nanoTime() + timeout.toNanos();
        String lastProblem = null;
        if (dashboard != null) {
            view.println("dashboard: " + dashboard);
        }
        while (true) {
            try {
                PrometheusEvaluator.StatusFacts facts = ev.status();
                if (!facts.terminal() && ev.freshnessVerdict(facts) == Verdict.UNKNOWN) {
                    return finish(ev.evaluate(dashboard), interactive, view);
                }
                Live live = live(api, q, ev, facts);
                if (interactive) {
                    redraw(view, live);
                } else {
                    view.println(plainLine(live));
                }
                view.flush();
                lastProblem = null;
                if (facts.terminal()) {
                    return finish(ev.evaluate(dashboard), interactive, view);
                }
            } catch (CannotEvaluateException e) {
                if (System.nanoTime() >= deadline) {
                    return finish(ev.cannotEvaluate(dashboard, e.getMessage()), interactive, view);
                }
                if (!e.getMessage().equals(lastProblem)) {
                    view.println(Instant.now().truncatedTo(ChronoUnit.SECONDS) + " " + migrationId
                            + " waiting: " + e.getMessage());
                    view.flush();
                    drawnLines = 0;
                }
                lastProblem = e.getMessage();
            }
            if (System.nanoTime() >= deadline) {
                CheckResult r = ev.evaluate(dashboard);
                return finish(CheckCommand.timedOut(r, r.status(), timeout), interactive, view);
            }
            Thread.sleep(interval.toMillis());
        }
    }

    private int finish(CheckResult result, boolean interactive, java.io.PrintWriter view) {
        if (interactive) {
            view.println();
        }
        output.emit(root, result);
        return result.exitCode();
    }

    /** What the view shows. NaN for unknown numbers. */
    record Live(Instant at, String status, double ratio, double rows, double expected, double throughput,
            double etaSeconds, double dataLag, double replicationLag, double errors, String health, double anomalies) {
    }

    private Live live(PrometheusApi api, MetricQueries q, PrometheusEvaluator ev, PrometheusEvaluator.StatusFacts f) {
        String w = thresholds.window;
        double replication = Math.max(nan(ev.scalar(q.latestScoped(MetricCatalog.CDC_REPLICATION_LAG, f.scope(), w))),
                nan(ev.scalar(q.latestScoped(MetricCatalog.CDC_CONSUMER_LAG_SECONDS, f.scope(), w))));
        String health = "n/a";
        String checkName = thresholds.healthCheck != null ? thresholds.healthCheck : "migration:" + migrationId;
        for (PrometheusApi.Series s : api.query("last_over_time(" + q.healthSamples(checkName, w) + ") == 1")) {
            health = s.labels().getOrDefault(MetricCatalog.STATUS, "?").toUpperCase(java.util.Locale.ROOT);
        }
        return new Live(f.lastSample(), f.status(), ev.scalar(q.latest(MetricCatalog.MIGRATION_PROGRESS, w)),
                ev.scalar(q.counterTotal(MetricCatalog.MIGRATION_ROWS, w)),
                ev.scalar(q.latest(MetricCatalog.MIGRATION_ROWS_EXPECTED, w)),
                ev.scalar(q.latest(MetricCatalog.MIGRATION_THROUGHPUT, w)),
                ev.scalar(q.latest(MetricCatalog.MIGRATION_ETA, w)),
                ev.scalar(q.latest(MetricCatalog.MIGRATION_DATA_LAG, w)), replication,
                ev.scalar(q.counterTotal(MetricCatalog.MIGRATION_ERRORS, w)), health,
                ev.scalar(q.counterTotal(MetricCatalog.MIGRATION_ANOMALIES, w)));
    }

    private static double nan(double v) {
        return Double.isFinite(v) ? v : Double.NEGATIVE_INFINITY;
    }

    String plainLine(Live l) {
        return l.at().truncatedTo(ChronoUnit.SECONDS) + " " + migrationId + " status=" + l.status()
                + " progress=" + pct(l.ratio()) + " rows=" + count(l.rows()) + "/" + count(l.expected())
                + " throughput=" + num(l.throughput()) + "/s eta=" + human(l.etaSeconds())
                + " data_lag=" + secs(l.dataLag()) + " replication_lag=" + secs(l.replicationLag())
                + " errors=" + count(orZero(l.errors())) + " health=" + l.health()
                + " anomalies=" + count(orZero(l.anomalies()));
    }

    private void redraw(java.io.PrintWriter view, Live l) {
        List<String> lines = List.of(
                "migmon watch  " + migrationId + "  " + l.status().toUpperCase(java.util.Locale.ROOT)
                        + "   (Prometheus " + shownUrl + ", every " + interval.toSeconds() + " s)",
                bar(l.ratio()) + " " + pct(l.ratio()) + "  " + count(l.rows()) + " / " + count(l.expected()) + " rows",
                "throughput " + num(l.throughput()) + " rows/s   ETA " + human(l.etaSeconds()) + "   data lag "
                        + secs(l.dataLag()) + "   replication lag " + secs(l.replicationLag()),
                "errors " + count(orZero(l.errors())) + "   health " + l.health() + "   anomalies "
                        + count(orZero(l.anomalies())) + "   sample " + l.at().truncatedTo(ChronoUnit.SECONDS));
        StringBuilder sb = new StringBuilder();
        if (drawnLines > 0) {
            sb.append("\u001b[").append(drawnLines).append('F');
        }
        for (String line : lines) {
            sb.append("\u001b[2K").append(line).append('\n');
        }
        drawnLines = lines.size();
        view.print(sb);
    }

    static String bar(double ratio) {
        if (!Double.isFinite(ratio)) {
            return "[" + "?".repeat(BAR) + "]";
        }
        int full = (int) Math.round(Math.max(0, Math.min(1, ratio)) * BAR);
        return "[" + "#".repeat(full) + ".".repeat(BAR - full) + "]";
    }

    private static double orZero(double v) {
        return Double.isFinite(v) ? v : 0;
    }

    private static String pct(double r) {
        return Double.isFinite(r) ? String.format("%.1f%%", r * 100) : "n/a";
    }

    private static String count(double v) {
        return Double.isFinite(v) ? String.format("%,.0f", v) : "?";
    }

    private static String num(double v) {
        return Double.isFinite(v) ? String.format("%,.0f", v) : "n/a";
    }

    private static String secs(double v) {
        return Double.isFinite(v) ? String.format("%.1fs", v) : "n/a";
    }

    private static String human(double seconds) {
        if (!Double.isFinite(seconds)) {
            return "n/a";
        }
        long s = Math.round(seconds);
        if (s >= 3600) {
            return String.format("%dh%02dm%02ds", s / 3600, (s % 3600) / 60, s % 60);
        }
        return s >= 60 ? String.format("%dm%02ds", s / 60, s % 60) : s + "s";
    }
}
