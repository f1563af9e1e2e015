package io.migmon.verify.mongo;

import static org.assertj.core.api.Assertions.assertThat;

import com.mongodb.client.model.Filters;
import com.mongodb.client.model.ReplaceOptions;
import com.mongodb.client.model.Updates;
import com.mongodb.reactivestreams.client.MongoCollection;
import com.mongodb.reactivestreams.client.MongoDatabase;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migmon.verify.DifferenceKind;
import io.migmon.verify.RowDifference;
import io.migmon.verify.VerificationReport;
import io.migmon.verify.VerificationStatus;
import io.migmon.verify.internal.Reactive;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicReference;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.Document;
import org.junit.jupiter.api.Test;

/**
 * A MongoDB verification while a simulated pipeline keeps replaying source writes on the target 300 ms late, with an
 * applied watermark on this host's clock: in-flight differences settle, a real defect stays. Ground truth: both
 * collections in full once the pipeline has drained.
 */
class MongoInFlightIT {

    private static final Duration T = Duration.ofSeconds(60);

    private record Change(int op, int id, int v, Instant at, long queuedNanos) {
    }

    @Test
    void differencesInFlightAreNotReportedButARealDefectIs() throws Exception {
        try (MongoFixture f = MongoFixture.start("mongo-java-server")) {
            MongoDatabase sdb = f.client().getDatabase("inflight_src");
            MongoDatabase tdb = f.client().getDatabase("inflight_tgt");
            MongoCollection<Document> s = sdb.getCollection("orders");
            MongoCollection<Document> t = tdb.getCollection("orders");
            List<Document> docs = new ArrayList<>();
            for (int i = 1; i <= 5000; i++) {
                docs.add(new Document("_id", i).append("v", i));
            }
            Reactive.list(s.insertMany(docs), T);
            Reactive.list(t.insertMany(docs), T);
            // a real defect on a document the pipeline never touches
            Reactive.list(t.updateOne(Filters.eq("_id", 4000), Updates.set("v", -1)), T);

            ConcurrentLinkedDeque<Change> queue = new ConcurrentLinkedDeque<>();
            AtomicReference<Instant> watermark = new AtomicReference<>(Instant.now());
            Object lock = new Object();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            boolean[] writing = {true};
            boolean[] running = {true};
            Thread writer = new Thread(() -> {
                try {
                    while (writing[0]) {
                        ThreadLocalRandom r = ThreadLocalRandom.current();
                        int op = r.nextInt(3);
                        int id = 1 + r.nextInt(1000);
                        int v = r.nextInt(1_000_000);
                        synchronized (lock) {
                            apply(s, op, id, v);
                            queue.addLast(new Change(op, id, v, Instant.now(), System.nanoTime()));
                        }
                        Thread.sleep(3);
                    }
                } catch (Throwable e) {
                    failure.set(e);
                }
            });
            Thread applier = new Thread(() -> {
                try {
                    while (running[0]) {
                        Change head = queue.peekFirst();
                        if (head != null && System.nanoTime() - head.queuedNanos() >= 300_000_000L) {
                            apply(t, head.op(), head.id(), head.v());
                            watermark.set(head.at());
                            queue.pollFirst();
                            continue;
                        }
                        if (head == null) {
                            synchronized (lock) {
                                if (queue.isEmpty()) {
                                    watermark.set(Instant.now());
                                }
                            }
                        }
                        Thread.sleep(5);
                    }
                } catch (Throwable e) {
                    failure.set(e);
                }
            });
            writer.start();
            applier.start();
            try (MongoCollectionVerifier v = MongoCollectionVerifier.builder("orders").source(sdb).target(tdb)
                    .meterRegistry(new SimpleMeterRegistry()).chunkDocuments(200)
                    .appliedWatermark(() -> Optional.ofNullable(watermark.get())).inFlightTimeout(Duration.ofSeconds(90))
                    .pollInterval(Duration.ofMillis(50)).build()) {
                Thread.sleep(500);
                CompletableFuture<VerificationReport> run = CompletableFuture.supplyAsync(v::verify);
                Thread.sleep(1500);
                writing[0] = false;
                writer.join();
                VerificationReport report = run.get();
                while (!queue.isEmpty()) {
                    Thread.sleep(20);
                }
                running[0] = false;
                applier.join();
                assertThat(failure.get()).isNull();
                System.out.println("mongo in-flight run: " + report + ", rechecked " + report.inFlightRechecked()
                        + ", resolved " + report.inFlightResolved());
                assertThat(report.inFlightResolved()).as("in-flight differences that settled").isGreaterThan(0);
                assertThat(report.unresolved()).isZero();
                assertThat(report.differences()).containsExactly(
                        new RowDifference(DifferenceKind.CHANGED, Map.of("_id", "4000"), List.of("v")));
                assertThat(report.status()).isEqualTo(VerificationStatus.DIFFERENT);

                // ground truth once drained: the collections differ exactly in document 4000
                Map<Integer, Integer> src = dump(s);
                Map<Integer, Integer> tgt = dump(t);
                assertThat(tgt.remove(4000)).isEqualTo(-1);
                assertThat(src.remove(4000)).isEqualTo(4000);
                assertThat(tgt).isEqualTo(src);
            } finally {
                writing[0] = false;
                running[0] = false;
                writer.join();
                applier.join();
            }
        }
    }

    private static void apply(MongoCollection<Document> c, int op, int id, int v) {
        switch (op) {
            case 0 -> Reactive.list(c.updateOne(Filters.eq("_id", id), Updates.set("v", v)), T);
            case 1 -> Reactive.list(c.replaceOne(Filters.eq("_id", id), new Document("_id", id).append("v", v),
                    new ReplaceOptions().upsert(true)), T);
            default -> Reactive.list(c.deleteOne(Filters.eq("_id", id)), T);
        }
    }

    private static Map<Integer, Integer> dump(MongoCollection<Document> c) {
        Map<Integer, Integer> m = new TreeMap<>();
        for (BsonDocument d : Reactive.list(c.withDocumentClass(BsonDocument.class).find(), T)) {
            m.put(((BsonInt32) d.get("_id")).getValue(), d.getNumber("v").intValue());
        }
        return m;
    }
}
