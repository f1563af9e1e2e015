/**
 * The JSON run report: a small, versioned summary of one migration run (status, rows, errors by type, data lag,
 * duration, anomalies, health) that {@link io.migmon.core.report.RunReportWriter} writes at the end of a run, for
 * pipelines without Prometheus ({@code migmon check --report FILE}). The schema is documented in
 * {@code docs/cli.md} and {@code docs/schemas/run-report-v1.schema.json}.
 */
package io.migmon.core.report;
