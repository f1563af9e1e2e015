package io.migmon.examples.mongo;

import com.mongodb.bulk.BulkWriteResult;
import com.mongodb.client.model.Accumulators;
import com.mongodb.client.model.Aggregates;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Indexes;
import com.mongodb.client.model.UpdateManyModel;
import com.mongodb.client.model.Updates;
import com.mongodb.client.model.WriteModel;
import com.mongodb.reactivestreams.client.MongoClient;
import com.mongodb.reactivestreams.client.MongoClients;
import com.mongodb.reactivestreams.client.MongoCollection;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import io.micrometer.core.instrument.MeterRegistry;
import io.migmon.core.progress.ProgressSnapshot;
import io.migmon.mongo.MongoMigration;
import io.migmon.mongo.MongoMigrationContext;
import io.migmon.mongo.MongoMigrationResult;
import io.migmon.mongo.MongoMigrationRunner;
import io.migmon.mongo.MongoRunReport;
import io.migmon.mongo.MongoValidation;
import io.migmon.mongo.MongoValidations;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.bson.Document;

/**
 * The MongoDB part of the demo: starts an in-process MongoDB wire-protocol server (mongo-java-server, standalone, so
 * the migrations run without transactions and say so), then, on a thread this demo owns, runs three versioned
 * migrations through {@link MongoMigrationRunner} against the host's registry (seed with progress/ETA, bulk update,
 * aggregation + index with validations), then runs them again to show they are skipped. Prints a line now and then.
 *
 * <pre>{@code
 * try (MongoDemo mongo = MongoDemo.start(registry, System.out)) {
 *     MongoRunReport report = mongo.awaitReport(Duration.ofMinutes(2));
 *     // scrape: mongodb_migration_duration_seconds, mongodb_migration_documents_total, migration_progress_ratio{migration_id="shop-v1"} ...
 * }
 * }</pre>
 *
 * {@link #close()} stops the thread, removes the runner's meters and stops the server.
 */
public final class MongoDemo implements AutoCloseable {

    /** Documents the seed migration writes by default. */
    public static final int DEFAULT_DOCUMENTS = 50_000;

    private static final int BATCH = 1_000;

    private final MongoServer server;
    private final MongoClient client;
    private final MongoMigrationRunner runner;
    private final ExecutorService thread;
    private final CompletableFuture<MongoRunReport> report = new CompletableFuture<>();
    private final String address;

    private MongoDemo(MeterRegistry registry, PrintStream out, int documents) {
        server = new MongoServer(new MemoryBackend());
        server.bind("127.0.0.1", 0);
        address = "127.0.0.1:" + server.getLocalAddress().getPort();
        client = MongoClients.create("mongodb://" + address);
        runner = MongoMigrationRunner.builder().client(client).database("shop").meterRegistry(registry)
                .migrations(new SeedProducts(documents, out), new Reprice(), new CategoryStats()).build();
        out.printf("mongo demo: in-process MongoDB (mongo-java-server, standalone: no transactions) on %s, %d products%n",
                address, documents);
        thread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "migmon-mongo-demo");
            t.setDaemon(true);
            return t;
        });
        thread.execute(() -> {
            try {
                MongoRunReport first = runner.run();
                print(out, first);
                MongoRunReport again = runner.run();
                out.printf("mongo demo: second run skipped %s (already in the changelog)%n", again.skipped());
                report.complete(first);
            } catch (Throwable e) {
                out.printf("mongo demo: migration run failed: %s%n", e);
                report.completeExceptionally(e);
            }
        });
    }

    /** Starts the server and the migrations with {@value #DEFAULT_DOCUMENTS} products. */
    public static MongoDemo start(MeterRegistry registry, PrintStream out) {
        return start(registry, out, DEFAULT_DOCUMENTS);
    }

    /** Starts the server and the migrations with {@code documents} products (at least 1). */
    public static MongoDemo start(MeterRegistry registry, PrintStream out, int documents) {
        Objects.requireNonNull(registry, "registry must not be null");
        Objects.requireNonNull(out, "out must not be null");
        if (documents < 1) {
            throw new IllegalArgumentException("documents must be >= 1, was " + documents);
        }
        return new MongoDemo(registry, out, documents);
    }

    /**
     * Standalone: {@code mvn -B -q -pl migmon-examples exec:java -Dexec.mainClass=io.migmon.examples.mongo.MongoDemo
     * -Dexec.args="[documents]"}; prints the demo's lines and then the {@code mongodb_migration_*} scrape lines.
     */
    public static void main(String[] args) throws Exception {
        io.micrometer.prometheusmetrics.PrometheusMeterRegistry registry = new io.micrometer.prometheusmetrics.PrometheusMeterRegistry(
                io.micrometer.prometheusmetrics.PrometheusConfig.DEFAULT);
        int documents = args.length > 0 ? Integer.parseInt(args[0]) : DEFAULT_DOCUMENTS;
        try (MongoDemo demo = start(registry, System.out, documents)) {
            demo.awaitReport(Duration.ofMinutes(10));
            registry.scrape().lines().filter(l -> l.startsWith("mongodb_migration_") && !l.contains("_bucket"))
                    .forEach(System.out::println);
        }
    }

    /** The report of the first run, once it finished. */
    public MongoRunReport awaitReport(Duration timeout) throws Exception {
        return report.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** host:port of the in-process server. */
    public String address() {
        return address;
    }

    @Override
    public void close() {
        thread.shutdownNow();
        try {
            thread.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        runner.close();
        client.close();
        server.shutdownNow();
    }

    private static void print(PrintStream out, MongoRunReport r) {
        for (MongoMigrationResult m : r.migrations()) {
            out.printf("mongo demo: v%s %-40s %s in %d ms, %d documents, transactional=%s%s%n", m.version(), m.description(),
                    m.outcome(), m.duration().toMillis(), m.documents(), m.transactional(),
                    m.validations().isEmpty() ? "" : ", validations " + m.validations().stream()
                            .map(v -> v.check() + "=" + v.status()).toList());
        }
    }

    /** v1: inserts the products in batches, reporting documents per batch (progress and ETA). */
    private static final class SeedProducts implements MongoMigration {
        private final int documents;
        private final PrintStream out;

        SeedProducts(int documents, PrintStream out) {
            this.documents = documents;
            this.out = out;
        }

        @Override
        public String version() {
            return "1";
        }

        @Override
        public String description() {
            return "seed products";
        }

        @Override
        public long expectedDocuments() {
            return documents;
        }

        @Override
        public List<MongoValidation> validations() {
            return List.of(MongoValidations.countDelta("products", documents));
        }

        @Override
        public void up(MongoMigrationContext ctx) {
            MongoCollection<Document> products = ctx.collection("products");
            int step = Math.max(BATCH, documents / 5);
            for (int start = 0; start < documents; start += BATCH) {
                List<Document> batch = new ArrayList<>();
                for (int i = start; i < Math.min(documents, start + BATCH); i++) {
                    batch.add(new Document("_id", i).append("category", "cat-" + (i % 12)).append("price", 1 + i % 250));
                }
                ctx.await(s -> products.insertMany(s, batch), () -> products.insertMany(batch));
                ctx.documents("products", batch.size());
                int done = start + batch.size();
                if (done % step < BATCH || done == documents) {
                    ProgressSnapshot p = ctx.progress();
                    out.printf("mongo demo: v1 %d/%d products (%.0f%%), %.0f docs/s, eta %s%n", p.rowsDone(), documents,
                            100.0 * p.ratio(), p.throughput(), Double.isNaN(p.etaSeconds()) ? "n/a"
                                    : String.format("%.1f s", p.etaSeconds()));
                }
            }
        }
    }

    /** v2: a bulk write raising cheap products and flagging expensive ones. */
    private static final class Reprice implements MongoMigration {
        @Override
        public String version() {
            return "2";
        }

        @Override
        public String description() {
            return "reprice: bulk write";
        }

        @Override
        public List<MongoValidation> validations() {
            return List.of(MongoValidations.countUnchanged("products"),
                    MongoValidations.sample("products", 200, "price >= 5", d -> d.getInteger("price") >= 5));
        }

        @Override
        public void up(MongoMigrationContext ctx) {
            MongoCollection<Document> products = ctx.collection("products");
            List<WriteModel<Document>> models = List.of(
                    new UpdateManyModel<>(Filters.lt("price", 5), Updates.set("price", 5)),
                    new UpdateManyModel<>(Filters.gte("price", 200), Updates.set("premium", true)));
            BulkWriteResult r = ctx.await(s -> products.bulkWrite(s, models), () -> products.bulkWrite(models));
            ctx.documents("products", r.getModifiedCount());
        }
    }

    /** v3: an aggregation into category_stats and an index, checked by validations. */
    private static final class CategoryStats implements MongoMigration {
        @Override
        public String version() {
            return "3";
        }

        @Override
        public String description() {
            return "category stats ($group/$out) + index";
        }

        @Override
        public boolean transactional() {
            return false; // $out and index builds are refused inside transactions
        }

        @Override
        public List<MongoValidation> validations() {
            return List.of(MongoValidations.indexExists("products", "category_1"),
                    MongoValidations.sample("category_stats", 12, "count > 0", d -> d.get("count", Number.class).longValue() > 0));
        }

        @Override
        public void up(MongoMigrationContext ctx) {
            MongoCollection<Document> products = ctx.collection("products");
            ctx.awaitAll(products.aggregate(List.of(
                    Aggregates.group("$category", Accumulators.sum("count", 1), Accumulators.avg("avgPrice", "$price")),
                    Aggregates.out("category_stats"))));
            ctx.documents("category_stats", ctx.await(ctx.collection("category_stats").countDocuments()));
            ctx.await(products.createIndex(Indexes.ascending("category")));
        }
    }
}
