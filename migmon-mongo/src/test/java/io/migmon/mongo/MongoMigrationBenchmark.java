package io.migmon.mongo;

import static org.assertj.core.api.Assertions.assertThat;

import com.mongodb.reactivestreams.client.MongoClient;
import com.mongodb.reactivestreams.client.MongoCollection;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.migmon.mongo.internal.Reactive;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.bson.Document;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A 1M-document migration through {@link MongoMigrationRunner} (metrics, progress, changelog, lock) against the same
 * insert loop without migmon, alternating in one JVM against one in-process mongo-java-server. Excluded from the
 * default build; run with
 * {@code mvn -B -pl migmon-mongo -am test -Dexcluded.groups= -Dgroups=benchmark -Dtest=MongoMigrationBenchmark -Dsurefire.failIfNoSpecifiedTests=false -DargLine=-Xmx4g}
 * ({@code -Dmigmon.bench.docs=N} to change the size). Results: docs/performance/mongo.md.
 */
@Tag("benchmark")
class MongoMigrationBenchmark {

    private static final Duration T = Duration.ofMinutes(5);
    private static final int BATCH = 1_000;

    @Test
    void instrumentedMigrationVersusPlainLoop() {
        int docs = Integer.getInteger("migmon.bench.docs", 1_000_000);
        try (MongoClient client = MongoServers.inProcessClient()) {
            // warm-up at full size: JIT, connection pool, server code paths, heap sizing (a first full-size pass
            // is markedly slower whichever side runs it)
            plain(client, "warm_plain", docs);
            instrumented(client, "warm_migmon", docs);

            int rounds = Integer.getInteger("migmon.bench.rounds", 3);
            List<String> lines = new ArrayList<>();
            double[] plain = new double[rounds];
            double[] migmon = new double[rounds];
            double[] ratio = new double[rounds];
            for (int round = 0; round < rounds; round++) {
                if (round % 2 == 0) {
                    plain[round] = plain(client, "plain_" + round, docs);
                    migmon[round] = instrumented(client, "migmon_" + round, docs);
                } else {
                    migmon[round] = instrumented(client, "migmon_" + round, docs);
                    plain[round] = plain(client, "plain_" + round, docs);
                }
                ratio[round] = migmon[round] / plain[round];
                lines.add(String.format(Locale.ROOT, "round %d (%s first): plain %.2f s (%.0f docs/s), migmon %.2f s (%.0f docs/s), overhead %+.1f%%",
                        round + 1, round % 2 == 0 ? "plain" : "migmon", plain[round], docs / plain[round], migmon[round],
                        docs / migmon[round], 100 * (ratio[round] - 1)));
            }
            double[] sorted = ratio.clone();
            java.util.Arrays.sort(sorted);
            double p = java.util.Arrays.stream(plain).sum();
            double m = java.util.Arrays.stream(migmon).sum();
            lines.add(String.format(Locale.ROOT, "total: plain %.2f s, migmon %.2f s, overhead %+.1f%%, median round %+.1f%% (%d documents x %d rounds, batches of %d)",
                    p, m, 100 * (m - p) / p, 100 * ((sorted[(rounds - 1) / 2] + sorted[rounds / 2]) / 2 - 1), docs, rounds, BATCH));
            lines.add(String.format(Locale.ROOT, "documents() per batch, no I/O: %.0f ns/call", documentsCallNanos(client)));
            lines.forEach(l -> System.out.println("BENCHMARK mongo " + l));
        }
    }

    /** What migmon adds per batch, isolated: {@code ctx.documents()} (counters, progress, lock lease check) in a tight loop. */
    private static double documentsCallNanos(MongoClient client) {
        int calls = 5_000_000;
        double[] nanos = new double[1];
        MongoMigration m = new MongoMigration() {
            @Override
            public String version() {
                return "1";
            }

            @Override
            public String description() {
                return "documents() loop";
            }

            @Override
            public void up(MongoMigrationContext ctx) {
                for (int i = 0; i < calls; i++) {          // warm-up
                    ctx.documents("orders", 1_000);
                }
                long t0 = System.nanoTime();
                for (int i = 0; i < calls; i++) {
                    ctx.documents("orders", 1_000);
                }
                nanos[0] = (System.nanoTime() - t0) / (double) calls;
            }
        };
        try (MongoMigrationRunner runner = MongoMigrationRunner.builder().client(client).database("calls")
                .meterRegistry(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT)).migrations(m).build()) {
            runner.run();
        }
        Reactive.first(client.getDatabase("calls").drop(), T);
        return nanos[0];
    }

    private static List<Document> batch(int start, int n) {
        List<Document> batch = new ArrayList<>(n);
        for (int i = start; i < start + n; i++) {
            batch.add(new Document("_id", i).append("customer", "c" + (i % 1000)).append("amount", i % 100)
                    .append("status", "new"));
        }
        return batch;
    }

    /** The loop without migmon: the same batches, the same blocking wait. */
    private static double plain(MongoClient client, String db, int docs) {
        MongoCollection<Document> c = client.getDatabase(db).getCollection("orders");
        long t0 = System.nanoTime();
        for (int start = 0; start < docs; start += BATCH) {
            Reactive.first(c.insertMany(batch(start, Math.min(BATCH, docs - start))), T);
        }
        double s = (System.nanoTime() - t0) / 1e9;
        assertThat(Reactive.first(c.countDocuments(), T)).isEqualTo(docs);
        Reactive.first(client.getDatabase(db).drop(), T);
        return s;
    }

    /** The same loop as a versioned migration: lock, hello, changelog, per-batch documents() with progress/ETA. */
    private static double instrumented(MongoClient client, String db, int docs) {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        MongoMigration m = new MongoMigration() {
            @Override
            public String version() {
                return "1";
            }

            @Override
            public String description() {
                return "insert " + docs + " orders";
            }

            @Override
            public long expectedDocuments() {
                return docs;
            }

            @Override
            public void up(MongoMigrationContext ctx) {
                MongoCollection<Document> c = ctx.collection("orders");
                for (int start = 0; start < docs; start += BATCH) {
                    List<Document> b = batch(start, Math.min(BATCH, docs - start));
                    ctx.await(s -> c.insertMany(s, b), () -> c.insertMany(b));
                    ctx.documents("orders", b.size());
                }
            }
        };
        double s;
        try (MongoMigrationRunner runner = MongoMigrationRunner.builder().client(client).database(db)
                .meterRegistry(registry).migrations(m).build()) {
            long t0 = System.nanoTime();
            MongoRunReport report = runner.run();
            s = (System.nanoTime() - t0) / 1e9;
            assertThat(report.applied()).containsExactly("1");
            assertThat(registry.get("mongodb.migration.documents").counter().count()).isEqualTo(docs);
        }
        assertThat(Reactive.first(client.getDatabase(db).getCollection("orders").countDocuments(), T)).isEqualTo(docs);
        Reactive.first(client.getDatabase(db).drop(), T);
        return s;
    }
}
