package io.migmon.verify;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.migmon.core.health.HealthStatus;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VerificationReportTest {

    private static final Instant T0 = Instant.parse("2026-11-26T12:00:00Z");

    private static VerificationReport.Builder base() {
        return VerificationReport.builder("public.orders", "postgresql").keyColumns(List.of("id"))
                .startedAt(T0).finishedAt(T0.plusMillis(1500)).rows(10, 9, 10).ranges(3, 1);
    }

    @Test
    void statusAndExitCodeFollowTheFindings() {
        assertThat(base().build().status()).isEqualTo(VerificationStatus.IDENTICAL);
        assertThat(base().build().exitCode()).isZero();
        assertThat(base().inFlight(5, 4, 1, T0).build().status()).isEqualTo(VerificationStatus.INCONCLUSIVE);
        assertThat(base().inFlight(5, 4, 1, T0).build().exitCode()).isEqualTo(2);
        VerificationReport different = base().difference(missing(1), 10).inFlight(5, 4, 1, T0).build();
        assertThat(different.status()).isEqualTo(VerificationStatus.DIFFERENT);
        assertThat(different.exitCode()).isEqualTo(1);
    }

    @Test
    void jsonFollowsTheDocumentedSchema() throws Exception {
        VerificationReport r = base().filter("id > 0")
                .difference(missing(1), 2)
                .difference(new RowDifference(DifferenceKind.CHANGED, Map.of("id", "2"), List.of("a", "b")), 2)
                .difference(missing(3), 2)
                .unlisted(DifferenceKind.EXTRA, 5)
                .inFlight(7, 6, 0, T0.plusSeconds(1)).build();
        JsonNode json = new ObjectMapper().readTree(r.toJson());
        assertThat(json.path("schema").asText()).isEqualTo("migmon.verify.report/v1");
        assertThat(json.path("subject").asText()).isEqualTo("public.orders");
        assertThat(json.path("engine").asText()).isEqualTo("postgresql");
        assertThat(json.path("status").asText()).isEqualTo("different");
        assertThat(json.path("exitCode").asInt()).isEqualTo(1);
        assertThat(json.path("keyColumns").get(0).asText()).isEqualTo("id");
        assertThat(json.path("filter").asText()).isEqualTo("id > 0");
        assertThat(json.path("startedAt").asText()).isEqualTo("2026-11-26T12:00:00Z");
        assertThat(json.path("durationSeconds").asDouble()).isEqualTo(1.5);
        assertThat(json.path("rows").path("source").asLong()).isEqualTo(10);
        assertThat(json.path("rows").path("target").asLong()).isEqualTo(9);
        assertThat(json.path("ranges").path("differing").asLong()).isEqualTo(1);
        JsonNode d = json.path("differences");
        assertThat(d.path("missing").asLong()).isEqualTo(2);
        assertThat(d.path("changed").asLong()).isEqualTo(1);
        assertThat(d.path("extra").asLong()).isEqualTo(5);
        assertThat(d.path("total").asLong()).isEqualTo(8);
        assertThat(d.path("truncated").asBoolean()).isTrue();
        assertThat(d.path("items")).hasSize(2);
        assertThat(d.path("items").get(1).path("columns").toString()).isEqualTo("[\"a\",\"b\"]");
        assertThat(json.path("inFlight").path("resolved").asLong()).isEqualTo(6);
        assertThat(json.path("inFlight").path("watermark").asText()).isEqualTo("2026-11-26T12:00:01Z");
    }

    @Test
    void healthIsDownWhileVerifiedDifferencesExist() {
        VerificationHealthCheck h = VerificationHealthCheck.create();
        assertThat(h.check().status()).isEqualTo(HealthStatus.UP);
        h.record(base().difference(missing(1), 10).build());
        assertThat(h.check().status()).isEqualTo(HealthStatus.DOWN);
        assertThat(h.check().reasons()).singleElement().asString().contains("public.orders", "1 verified difference");
        h.record(base().inFlight(1, 0, 1, T0).build());
        assertThat(h.check().status()).isEqualTo(HealthStatus.DEGRADED);
        h.record(base().build());
        assertThat(h.check().status()).isEqualTo(HealthStatus.UP);
        assertThat(h.name()).isEqualTo("validation");
    }

    @Test
    void checkpointsRoundTripThroughFiles(@TempDir Path dir) {
        CheckpointStore store = CheckpointStore.directory(dir.resolve("cp"));
        Checkpoint cp = new Checkpoint("postgresql:a->a", List.of("k1", "it's"), 1, 2, 3, 4, 5,
                List.of(missing(9), new RowDifference(DifferenceKind.CHANGED, Map.of("id", "2"), List.of("x"))),
                Map.of(DifferenceKind.EXTRA, 7L), 3);
        store.save(cp);
        Checkpoint back = store.load("postgresql:a->a").orElseThrow();
        assertThat(back.lastKey()).containsExactly("k1", "it's");
        assertThat(back.candidates()).isEqualTo(cp.candidates());
        assertThat(back.unlisted()).containsEntry(DifferenceKind.EXTRA, 7L).containsEntry(DifferenceKind.MISSING, 0L);
        assertThat(back.rowsChecked()).isEqualTo(3);
        assertThat(back.hashVersion()).isEqualTo(3);
        assertThat(store.load("other")).isEmpty();
        store.clear("postgresql:a->a");
        assertThat(store.load("postgresql:a->a")).isEmpty();
    }

    private static RowDifference missing(int id) {
        return new RowDifference(DifferenceKind.MISSING, Map.of("id", Integer.toString(id)), List.of());
    }
}
