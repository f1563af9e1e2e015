package io.migmon.cli.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.migmon.core.report.RunReport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Judges a run report written by {@link io.migmon.core.report.RunReportWriter} (schema {@value RunReport#SCHEMA})
 * with the same rules as the Prometheus checks, for pipelines without Prometheus.
 */
public final class ReportEvaluator {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private ReportEvaluator() {
    }

    /**
     * @param migrationId the id asked for, or null to accept the report's
     */
    public static CheckResult evaluate(Path file, String migrationId, Thresholds t) {
        JsonNode r = read(file);
        List<String> problems = problems(r);
        if (!problems.isEmpty()) {
            throw new CannotEvaluateException("the run report " + file + " does not follow " + RunReport.SCHEMA + ": "
                    + String.join("; ", problems) + ". A gate never passes on an incomplete report: let "
                    + "RunReportWriter write it (see docs/schemas/run-report-v1.schema.json)");
        }
        String id = r.path("migrationId").asText("");
        if (migrationId != null && !migrationId.equals(id)) {
            throw new CannotEvaluateException("the run report " + file + " is about migration '" + id
                    + "', not '" + migrationId + "': check --report and --migration-id");
        }
        String where = "in the run";
        List<Check> checks = new ArrayList<>();
        checks.add(Checks.status(r.path("status").asText("unknown"), t.requireStatus(), true));
        JsonNode lag = r.path("dataLag");
        checks.add(Checks.dataLag(num(lag.path("maxSeconds")), num(lag.path("finalSeconds")), t.maxLagSeconds(), where));
        if (t.maxReplicationLagSeconds() != null) {
            checks.add(Check.unknown("replication_lag", "<= " + Thresholds.seconds(t.maxReplicationLagSeconds()),
                    t.maxReplicationLagSeconds(), "seconds", "a run report carries no CDC replication lag: check it"
                            + " against Prometheus (--prometheus-url) or drop --max-replication-lag"));
        }
        checks.addAll(Checks.errors(r.path("errors").asDouble(0), r.path("rows").asDouble(0), t.maxErrorRate(),
                t.maxErrors(), where));
        JsonNode health = r.path("health");
        if (health.isObject()) {
            List<String> reasons = new ArrayList<>();
            health.path("reasons").forEach(n -> reasons.add(n.asText()));
            checks.add(Checks.health(health.path("check").asText(), health.path("status").asText("unknown"), reasons));
        } else if (t.healthCheck() != null) {
            checks.add(Check.unknown("health", "not DOWN", Double.NaN, null, "the run report has no health verdict:"
                    + " give the RunReportWriter a healthCheck(...) or drop --health-check"));
        }
        Map<String, Long> anomalies = new LinkedHashMap<>();
        for (JsonNode a : r.path("anomalies")) {
            anomalies.merge(a.path("type").asText() + " (" + a.path("severity").asText() + ")",
                    a.path("count").asLong(1), Long::sum);
        }
        checks.add(Checks.anomalies(anomalies));
        Instant at;
        try {
            at = Instant.parse(r.path("finishedAt").asText());
        } catch (RuntimeException e) {
            at = Instant.now();
        }
        return new CheckResult(id, "report", file.toString(), r.path("status").asText(null), null, at, checks, null,
                null);
    }

    private static JsonNode read(Path file) {
        JsonNode r;
        try {
            r = MAPPER.readTree(Files.readString(file));
        } catch (NoSuchFileException e) {
            throw new CannotEvaluateException("no run report at " + file + ": did the migration run with a "
                    + "RunReportWriter writing there, and did it finish?");
        } catch (IOException e) {
            throw new CannotEvaluateException("cannot read the run report " + file + ": " + e.getMessage()
                    + " (is it the JSON a RunReportWriter wrote?)");
        }
        if (r == null || !r.isObject()) {
            throw new CannotEvaluateException("the run report " + file + " is not a JSON object");
        }
        String schema = r.path("schema").asText("");
        if (!schema.equals(RunReport.SCHEMA)) {
            throw new CannotEvaluateException("the run report " + file + " has schema '" + schema + "'; this migmon "
                    + "reads '" + RunReport.SCHEMA + "': use a migmon CLI of the same version as the library");
        }
        return r;
    }

    private static final java.util.Set<String> STATUSES = java.util.Set.of("success", "failed", "aborted");
    private static final java.util.Set<String> HEALTH = java.util.Set.of("UP", "DEGRADED", "DOWN");
    private static final List<String> REQUIRED = List.of("schema", "migrationId", "status", "startedAt", "finishedAt",
            "durationSeconds", "rows", "expectedRows", "errors", "errorRate", "errorsByType", "dataLag", "anomalies",
            "health", "failureType");

    /** What breaks the v1 schema's rules (docs/schemas/run-report-v1.schema.json); empty when none. */
    static List<String> problems(JsonNode r) {
        List<String> p = new ArrayList<>();
        for (String f : REQUIRED) {
            if (!r.has(f)) {
                p.add("\"" + f + "\" is missing");
            }
        }
        if (r.has("migrationId") && !r.get("migrationId").isTextual()) {
            p.add("\"migrationId\" must be a string");
        }
        if (r.has("status") && !(r.get("status").isTextual() && STATUSES.contains(r.get("status").asText()))) {
            p.add("\"status\" must be one of success, failed, aborted (a report is written when the run ended), was "
                    + abbreviate(r.get("status")));
        }
        count(r, "rows", false, p);
        count(r, "expectedRows", true, p);
        count(r, "errors", false, p);
        if (r.has("durationSeconds") && !(r.get("durationSeconds").isNumber()
                && r.get("durationSeconds").asDouble() >= 0)) {
            p.add("\"durationSeconds\" must be a number >= 0, was " + abbreviate(r.get("durationSeconds")));
        }
        for (String f : List.of("startedAt", "finishedAt")) {
            if (r.has(f)) {
                try {
                    Instant.parse(r.get(f).asText());
                } catch (RuntimeException e) {
                    p.add("\"" + f + "\" must be an ISO-8601 instant, was " + abbreviate(r.get(f)));
                }
            }
        }
        JsonNode byType = r.get("errorsByType");
        if (byType != null) {
            if (!byType.isObject()) {
                p.add("\"errorsByType\" must be an object");
            } else {
                long sum = 0;
                for (var it = byType.fields(); it.hasNext(); ) {
                    var e = it.next();
                    if (!e.getValue().isIntegralNumber() || e.getValue().asLong() < 0) {
                        p.add("\"errorsByType\"." + e.getKey() + " must be an integer >= 0");
                    } else {
                        sum += e.getValue().asLong();
                    }
                }
                JsonNode errors = r.get("errors");
                if (errors != null && errors.isIntegralNumber() && sum > errors.asLong()) {
                    p.add("\"errorsByType\" adds up to " + sum + " errors but \"errors\" is " + errors.asLong());
                }
            }
        }
        JsonNode lag = r.get("dataLag");
        if (lag != null) {
            if (!lag.isObject() || !lag.has("maxSeconds") || !lag.has("finalSeconds")) {
                p.add("\"dataLag\" must be an object with maxSeconds and finalSeconds");
            } else {
                for (String f : List.of("maxSeconds", "finalSeconds")) {
                    JsonNode v = lag.get(f);
                    if (!(v.isNull() || v.isNumber() && v.asDouble() >= 0)) {
                        p.add("\"dataLag\"." + f + " must be a number >= 0 or null, was " + abbreviate(v));
                    }
                }
            }
        }
        JsonNode anomalies = r.get("anomalies");
        if (anomalies != null) {
            if (!anomalies.isArray()) {
                p.add("\"anomalies\" must be an array");
            } else {
                for (JsonNode a : anomalies) {
                    if (!a.isObject() || !a.path("type").isTextual() || !a.path("count").isIntegralNumber()
                            || a.path("count").asLong() < 1) {
                        p.add("each of \"anomalies\" needs a type and a count >= 1");
                        break;
                    }
                }
            }
        }
        JsonNode health = r.get("health");
        if (health != null && !health.isNull()) {
            if (!health.isObject() || !health.path("check").isTextual()
                    || !HEALTH.contains(health.path("status").asText(""))) {
                p.add("\"health\" must be null or an object with check and status UP, DEGRADED or DOWN, was "
                        + abbreviate(health));
            }
        }
        return p;
    }

    private static void count(JsonNode r, String field, boolean nullable, List<String> p) {
        JsonNode v = r.get(field);
        if (v == null || nullable && v.isNull()) {
            return;
        }
        if (!v.isIntegralNumber() || v.asLong() < 0) {
            p.add("\"" + field + "\" must be an integer >= 0" + (nullable ? " or null" : "") + ", was "
                    + abbreviate(v));
        }
    }

    private static String abbreviate(JsonNode n) {
        String s = String.valueOf(n);
        return s.length() > 60 ? s.substring(0, 60) + "..." : s;
    }

    private static double num(JsonNode n) {
        return n.isNumber() ? n.asDouble() : Double.NaN;
    }
}
