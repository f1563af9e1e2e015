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

    private static double num(JsonNode n) {
        return n.isNumber() ? n.asDouble() : Double.NaN;
    }
}
