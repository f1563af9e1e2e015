package io.migmon.verify.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migmon.verify.DifferenceKind;
import io.migmon.verify.RowDifference;
import io.migmon.verify.SimulatedPipeline;
import io.migmon.verify.TwoPostgres;
import io.migmon.verify.VerificationReport;
import io.migmon.verify.VerificationStatus;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import javax.sql.DataSource;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Verification while a (simulated) CDC pipeline keeps applying source writes to the target 300 ms late: differences
 * still in flight are re-checked after the applied watermark passes them and disappear; a real defect stays.
 * Ground truth: the full contents of both tables once the pipeline has drained.
 */
class InFlightVerificationIT {

    @ParameterizedTest(name = "commitTimestamps={0}")
    @ValueSource(booleans = {true, false})
    void differencesInFlightAreNotReportedButARealDefectIs(boolean commitTimestamps) throws Exception {
        TwoPostgres.Pair p = TwoPostgres.fresh();
        p.both("CREATE TABLE events (id bigint PRIMARY KEY, v int, note text)",
                "INSERT INTO events SELECT g, g, 'n' || g FROM generate_series(1, 20000) g");
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (SimulatedPipeline pipeline = new SimulatedPipeline(p.source(), p.target(), 300, 10_000);
                JdbcTableVerifier verifier = JdbcTableVerifier.builder("events").source(p.source()).target(p.target())
                        .meterRegistry(registry).chunkRows(500).appliedWatermark(pipeline::appliedWatermark)
                        .commitTimestamps(commitTimestamps).inFlightTimeout(Duration.ofSeconds(90))
                        .pollInterval(Duration.ofMillis(50)).build()) {
            Thread.sleep(500);
            // a real defect on a row the pipeline never touches
            p.onTarget("UPDATE events SET note = 'corrupted' WHERE id = 15000");
            long before = pipeline.changes();
            CompletableFuture<VerificationReport> running = CompletableFuture.supplyAsync(verifier::verify);
            Thread.sleep(2_000);
            pipeline.stopWriting();
            VerificationReport report = running.get();
            long during = pipeline.changes() - before;
            System.out.println("in-flight run (commitTimestamps=" + commitTimestamps + "): " + report + ", rechecked "
                    + report.inFlightRechecked() + ", resolved " + report.inFlightResolved() + ", writes during " + during);
            pipeline.drain();
            assertThat(pipeline.failure()).isNull();

            assertThat(during).as("writes continued during the verification").isGreaterThan(100);
            assertThat(report.inFlightRechecked()).as("candidates re-checked").isGreaterThan(1);
            assertThat(report.inFlightResolved()).as("in-flight differences that settled").isGreaterThan(0);
            assertThat(report.unresolved()).isZero();
            assertThat(report.differences()).containsExactly(new RowDifference(DifferenceKind.CHANGED,
                    Map.of("id", "15000"), List.of("note")));
            assertThat(report.status()).isEqualTo(VerificationStatus.DIFFERENT);
            assertThat(report.watermark()).isNotNull();

            // ground truth once drained: the tables differ exactly in row 15000
            Map<Long, String> src = dump(p.source());
            Map<Long, String> tgt = dump(p.target());
            assertThat(tgt.remove(15000L)).isEqualTo("15000|corrupted");
            assertThat(src.remove(15000L)).isEqualTo("15000|n15000");
            assertThat(tgt).isEqualTo(src);

            // after repairing the defect, a verification while idle reports 0 differences
            p.onTarget("UPDATE events SET note = 'n15000' WHERE id = 15000");
            VerificationReport clean = verifier.verify();
            assertThat(clean.status()).isEqualTo(VerificationStatus.IDENTICAL);
            assertThat(clean.totalDifferences()).isZero();
        }
    }

    private static Map<Long, String> dump(DataSource ds) throws SQLException {
        Map<Long, String> rows = new TreeMap<>();
        try (Connection c = ds.getConnection(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT id, v, note FROM events")) {
            while (rs.next()) {
                rows.put(rs.getLong(1), rs.getInt(2) + "|" + rs.getString(3));
            }
        }
        return rows;
    }
}
