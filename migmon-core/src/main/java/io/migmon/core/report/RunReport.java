package io.migmon.core.report;

import io.migmon.core.MigrationStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * The summary of one finished migration run, as {@link RunReportWriter} writes it to a JSON file and
 * {@code migmon check --report FILE} reads it. Immutable.
 *
 * <p>JSON schema {@value #SCHEMA} (documented in {@code docs/cli.md}; a JSON Schema in
 * {@code docs/schemas/run-report-v1.schema.json}). Fields are only ever added within a version; a removed or
 * re-typed field gets a new version. Numbers that are unknown (a lag never recorded) are {@code null}.
 *
 * @param migrationId        the migration's id
 * @param status             final status (success, failed, aborted)
 * @param startedAt          start of the run
 * @param finishedAt         end of the run
 * @param rows               rows recorded by the run
 * @param expectedRows       the declared total, if any
 * @param errors             errors recorded by the run
 * @param errorsByType       errors by exception type (the {@code error_type} tag), in first-seen order
 * @param maxDataLagSeconds  the highest data lag seen at the run's samples and at its end; NaN if never recorded
 * @param finalDataLagSeconds the data lag at the end of the run; NaN if never recorded
 * @param anomalies          anomalies that fired during the run, one entry per type and severity
 * @param health             the health check evaluated at the end of the run, or {@code null} when none was given
 * @param failureType        simple class name of the failure cause for failed/aborted runs, else {@code null}
 *                           (the message is left out: it may carry connection strings)
 */
public record RunReport(
        String migrationId,
        MigrationStatus status,
        Instant startedAt,
        Instant finishedAt,
        long rows,
        OptionalLong expectedRows,
        long errors,
        Map<String, Long> errorsByType,
        double maxDataLagSeconds,
        double finalDataLagSeconds,
        List<AnomalySummary> anomalies,
        HealthSummary health,
        String failureType) {

    /** The value of the {@code schema} field of this version of the report. */
    public static final String SCHEMA = "migmon.run-report/v1";

    /** Copies the collections; validates that the identity fields are present. */
    public RunReport {
        Objects.requireNonNull(migrationId, "migrationId");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(startedAt, "startedAt");
        Objects.requireNonNull(finishedAt, "finishedAt");
        Objects.requireNonNull(expectedRows, "expectedRows");
        errorsByType = Collections.unmodifiableMap(new LinkedHashMap<>(errorsByType));
        anomalies = List.copyOf(anomalies);
    }

    /** Wall-clock duration of the run. */
    public Duration duration() {
        return Duration.between(startedAt, finishedAt);
    }

    /** errors / rows; 0 when nothing was recorded, infinite when only errors were. */
    public double errorRate() {
        if (rows == 0) {
            return errors == 0 ? 0.0 : Double.POSITIVE_INFINITY;
        }
        return (double) errors / rows;
    }

    /** The report as JSON (schema {@value #SCHEMA}), pretty-printed. */
    public String toJson() {
        JsonText j = new JsonText().beginObject()
                .field("schema", SCHEMA)
                .field("migrationId", migrationId)
                .field("status", status.tagValue())
                .field("startedAt", startedAt)
                .field("finishedAt", finishedAt)
                .field("durationSeconds", duration().toNanos() / 1e9)
                .field("rows", rows);
        if (expectedRows.isPresent()) {
            j.field("expectedRows", expectedRows.getAsLong());
        } else {
            j.field("expectedRows", (String) null);
        }
        j.field("errors", errors)
                .field("errorRate", errorRate())
                .field("errorsByType", errorsByType)
                .name("dataLag").beginObject()
                .field("maxSeconds", maxDataLagSeconds)
                .field("finalSeconds", finalDataLagSeconds)
                .endObject()
                .beginArray("anomalies");
        for (AnomalySummary a : anomalies) {
            j.beginObject().field("type", a.type()).field("severity", a.severity()).field("count", a.count())
                    .field("lastMessage", a.lastMessage()).endObject();
        }
        j.endArray();
        if (health == null) {
            j.field("health", (String) null);
        } else {
            j.name("health").beginObject().field("check", health.check()).field("status", health.status())
                    .stringArray("reasons", health.reasons()).endObject();
        }
        return j.field("failureType", failureType).endObject().toString() + "\n";
    }

    /**
     * Anomalies of one type and severity that fired during the run.
     *
     * @param type        detector type (the {@code type} tag), e.g. {@code stall}
     * @param severity    lowercase severity, e.g. {@code critical}
     * @param count       how many times it fired
     * @param lastMessage the message of the last firing
     */
    public record AnomalySummary(String type, String severity, long count, String lastMessage) {
    }

    /**
     * A health check's verdict at the end of the run.
     *
     * @param check   the check's name
     * @param status  {@code UP}, {@code DEGRADED} or {@code DOWN}
     * @param reasons why, empty when up
     */
    public record HealthSummary(String check, String status, List<String> reasons) {
        /** Copies the reasons. */
        public HealthSummary {
            reasons = List.copyOf(reasons);
        }
    }
}
