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
    void healthKeepsAtMostMaxEntriesAndEvictionNeverChangesItsStatus() {
        VerificationHealthCheck h = VerificationHealthCheck.named("validation", 3);
        assertThat(h.maxEntries()).isEqualTo(3);
        assertThat(VerificationHealthCheck.create().maxEntries()).isEqualTo(VerificationHealthCheck.DEFAULT_MAX_ENTRIES);
        h.record(base().name("a").build());
        h.record(base().name("c").difference(missing(1), 10).build());
        h.record(base().name("b").build());
        h.record(base().name("a").build()); // same verification: replaced (and now the most recent), not added
        assertThat(subjects(h)).containsOnlyKeys("postgresql:a", "postgresql:b", "postgresql:c");
        assertThat(h.check().details()).doesNotContainKey("evicted");
        // a fourth verification: the least recently recorded IDENTICAL one goes (b), not the older finding (c)
        h.record(base().name("d").inFlight(1, 0, 1, T0).build());
        assertThat(subjects(h)).containsOnlyKeys("postgresql:a", "postgresql:c", "postgresql:d");
        assertThat(h.check().details()).containsEntry("evicted", 1L);
        // a thousand uniquely named identical runs (a name per scheduled run) never clear the finding nor grow the map
        for (int i = 0; i < 1000; i++) {
            h.record(base().name("run-" + i).build());
            assertThat(subjects(h)).hasSize(3).containsKeys("postgresql:c", "postgresql:d");
            assertThat(h.check().status()).isEqualTo(HealthStatus.DOWN);
        }
        assertThat(h.check().reasons()).hasSize(2).first().asString().contains("c (public.orders)", "1 verified");
        // full of findings: the oldest least severe finding goes (the inconclusive d), the status stays DOWN
        h.record(base().name("e").difference(missing(2), 10).build());
        h.record(base().name("f").difference(missing(3), 10).build());
        assertThat(subjects(h)).containsOnlyKeys("postgresql:c", "postgresql:e", "postgresql:f");
        h.record(base().name("g").difference(missing(4), 10).build());
        assertThat(subjects(h)).containsOnlyKeys("postgresql:e", "postgresql:f", "postgresql:g");
        assertThat(h.check().status()).isEqualTo(HealthStatus.DOWN);
        // the same verification's identical run still clears its own finding
        h.record(base().name("e").build());
        h.record(base().name("f").build());
        h.record(base().name("g").build());
        assertThat(h.check().status()).isEqualTo(HealthStatus.UP);
        assertThat(h.check().details()).containsEntry("evicted", 1004L);
    }

    @Test
    void healthStaysBoundedUnderConcurrentRecording() throws Exception {
        VerificationHealthCheck h = VerificationHealthCheck.named("validation", 50);
        List<Thread> threads = new java.util.ArrayList<>();
        java.util.concurrent.atomic.AtomicReference<Throwable> failure = new java.util.concurrent.atomic.AtomicReference<>();
        for (int t = 0; t < 4; t++) {
            int thread = t;
            Thread th = new Thread(() -> {
                try {
                    for (int i = 0; i < 5000; i++) {
                        h.record(base().name(thread + "-" + i).build());
                        if (i % 100 == 0) {
                            assertThat(subjects(h).size()).isLessThanOrEqualTo(50);
                        }
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            });
            th.start();
            threads.add(th);
        }
        for (Thread t : threads) {
            t.join();
        }
        assertThat(failure.get()).isNull();
        assertThat(subjects(h)).hasSize(50);
        assertThat(h.check().details()).containsEntry("evicted", 20_000L - 50);
        assertThat(h.check().status()).isEqualTo(HealthStatus.UP);
    }

    @Test
    void healthRejectsACapBelowOne() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> VerificationHealthCheck.named("validation", 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxEntries");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> subjects(VerificationHealthCheck h) {
        return (Map<String, Object>) h.check().details().get("subjects");
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
