package io.migmon.cli.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The check rules shared by the Prometheus and the report evaluators, so both judge alike. */
final class Checks {

    private Checks() {
    }

    private static final java.util.Set<String> KNOWN_STATUSES =
            java.util.Set.of("pending", "running", "success", "failed", "aborted");

    static Check status(String status, String requireStatus, boolean fromReport) {
        String s = status == null ? "unknown" : status.toLowerCase(Locale.ROOT);
        String threshold = requireStatus == null ? "not failed/aborted" : "= " + requireStatus;
        if (!KNOWN_STATUSES.contains(s)) {
            return new Check("status", Verdict.UNKNOWN, Double.NaN, s, threshold, Double.NaN, null,
                    "the migration's status is " + s + (fromReport ? " in the run report"
                            : ": no member of the migration_status state set is 1 at the newest sample")
                            + "; cannot tell whether it succeeded: check that the migration runs through migmon's "
                            + "ObservableMigration and that its meters are scraped");
        }
        if (s.equals("failed") || s.equals("aborted")) {
            return new Check("status", Verdict.FAIL, Double.NaN, s, threshold, Double.NaN, null,
                    "the migration ended with status " + s + (fromReport ? "" : " (migration_status state set)")
                            + ": see the migration's logs for the cause");
        }
        if (requireStatus != null && !requireStatus.equalsIgnoreCase(s)) {
            return new Check("status", Verdict.FAIL, Double.NaN, s, threshold, Double.NaN, null,
                    "status is " + s + " but --require-status asks for " + requireStatus
                            + (s.equals("running") || s.equals("pending")
                                    ? "; add --wait (and --timeout) to wait for the end of the run" : ""));
        }
        return new Check("status", Verdict.PASS, Double.NaN, s, threshold, Double.NaN, null, "status is " + s);
    }

    static Check dataLag(double max, double last, Double limit, String where) {
        if (Double.isInfinite(max)) {
            String found = "the data lag " + where + " was infinite (the lag gauge reported +Inf: the target is not "
                    + "catching up, or the lag cannot be measured)";
            if (limit == null) {
                return Check.info("data_lag", max, "infinite", "seconds", found);
            }
            return new Check("data_lag", Verdict.FAIL, max, "infinite", "<= " + Thresholds.seconds(limit), limit,
                    "seconds", found + ", above --max-lag " + Thresholds.seconds(limit)
                            + "; see the migration's data lag on the dashboard");
        }
        if (!Double.isFinite(max)) {
            if (limit == null) {
                return Check.info("data_lag", Double.NaN, "not recorded", "seconds",
                        "no data lag recorded " + where);
            }
            return Check.unknown("data_lag", "<= " + Thresholds.seconds(limit), limit, "seconds",
                    "no data lag value " + where + " (the migration never recorded one): cannot check --max-lag "
                            + Thresholds.seconds(limit) + "; record the lag (MigrationContext.recordDataLag) or drop --max-lag");
        }
        String display = Thresholds.seconds(max);
        String found = "max data lag " + where + " was " + display
                + (Double.isFinite(last) ? " (last " + Thresholds.seconds(last) + ")" : "");
        if (limit == null) {
            return Check.info("data_lag", max, display, "seconds", found);
        }
        boolean ok = max <= limit;
        return new Check("data_lag", ok ? Verdict.PASS : Verdict.FAIL, max, display, "<= " + Thresholds.seconds(limit),
                limit, "seconds", found + (ok ? ", within" : ", above") + " --max-lag " + Thresholds.seconds(limit));
    }

    /** CDC lags: one check per lag kind present; UNKNOWN when a limit is set and none is present. */
    static List<Check> cdcLags(Map<String, Double> maxByKind, Double limit, String where) {
        List<Check> out = new ArrayList<>();
        boolean any = false;
        for (Map.Entry<String, Double> e : maxByKind.entrySet()) {
            double v = e.getValue() == null ? Double.NaN : e.getValue();
            if (Double.isNaN(v)) {
                continue;
            }
            any = true;
            String found = "max " + e.getKey().replace('_', ' ') + " " + where + " was " + Thresholds.seconds(v)
                    + (Double.isInfinite(v) ? " (the gauge reported +Inf: the lag cannot be measured or grows "
                            + "without bound)" : "");
            if (limit == null) {
                out.add(Check.info(e.getKey(), v, Thresholds.seconds(v), "seconds", found));
            } else {
                boolean ok = Double.isFinite(v) && v <= limit;
                out.add(new Check(e.getKey(), ok ? Verdict.PASS : Verdict.FAIL, v, Thresholds.seconds(v),
                        "<= " + Thresholds.seconds(limit), limit, "seconds", found + (ok ? ", within" : ", above")
                                + " --max-replication-lag " + Thresholds.seconds(limit)));
            }
        }
        if (!any && limit != null) {
            out.add(Check.unknown("replication_lag", "<= " + Thresholds.seconds(limit), limit, "seconds",
                    "no CDC replication or consumer lag " + where + ": cannot check --max-replication-lag "
                            + Thresholds.seconds(limit) + "; is the CDC processor's registry scraped, or drop the option"));
        }
        return out;
    }

    static List<Check> errors(double errors, double rows, Double maxRate, Long maxErrors, String where) {
        List<Check> out = new ArrayList<>();
        double rate = rows > 0 ? errors / rows : errors > 0 ? Double.POSITIVE_INFINITY : 0.0;
        String noun = errors == 1 ? "error" : "errors";
        String found = String.format("%s %s / %s rows %s = %s", count(errors), noun, count(rows), where,
                Thresholds.percent(rate));
        if (maxRate == null) {
            out.add(Check.info("error_rate", rate, Thresholds.percent(rate), "ratio", found));
        } else {
            boolean ok = rate <= maxRate;
            out.add(new Check("error_rate", ok ? Verdict.PASS : Verdict.FAIL, rate, Thresholds.percent(rate),
                    "<= " + Thresholds.percent(maxRate), maxRate, "ratio", found + (ok ? ", within" : ", above")
                            + " --max-error-rate " + maxRate));
        }
        if (maxErrors != null) {
            boolean ok = errors <= maxErrors;
            out.add(new Check("errors", ok ? Verdict.PASS : Verdict.FAIL, errors, count(errors),
                    "<= " + maxErrors, maxErrors, "errors", String.format("%s %s %s", count(errors), noun, where)
                            + (ok ? ", within" : ", above") + " --max-errors " + maxErrors));
        }
        return out;
    }

    /** A count as shown: {@code 1,234}; huge or infinite values stay short. */
    static String count(double n) {
        if (Double.isInfinite(n)) {
            return n > 0 ? "infinite" : "-infinite";
        }
        return Math.abs(n) >= 1e15 ? String.format("%.3e", n) : String.format("%,.0f", n);
    }

    static Check health(String check, String status, List<String> reasons) {
        String s = status.toUpperCase(Locale.ROOT);
        String why = reasons == null || reasons.isEmpty() ? "" : ": " + String.join("; ", reasons);
        Verdict v = switch (s) {
            case "UP" -> Verdict.PASS;
            case "DEGRADED" -> Verdict.WARN;
            default -> Verdict.FAIL;
        };
        return new Check("health", v, Double.NaN, s, "not DOWN", Double.NaN, null,
                "health check '" + check + "' is " + s + why);
    }

    static Check anomalies(Map<String, Long> countByTypeAndSeverity) {
        long total = countByTypeAndSeverity.values().stream().mapToLong(Long::longValue).sum();
        if (total == 0) {
            return Check.info("anomalies", 0, "0", "anomalies", "no anomaly fired");
        }
        StringBuilder sb = new StringBuilder();
        countByTypeAndSeverity.forEach((k, v) -> sb.append(sb.length() == 0 ? "" : ", ").append(k).append(" x").append(v));
        return new Check("anomalies", Verdict.WARN, total, Long.toString(total), "-", Double.NaN, "anomalies",
                "anomalies fired: " + sb + " (informational: see the dashboard)");
    }
}
