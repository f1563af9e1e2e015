package io.migmon.examples.docs;

// The imports a reader needs for the snippets of docs/mongo.md.
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Updates;
import com.mongodb.client.result.UpdateResult;
import com.mongodb.reactivestreams.client.MongoClient;
import com.mongodb.reactivestreams.client.MongoCollection;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.migmon.mongo.MongoMigration;
import io.migmon.mongo.MongoMigrationContext;
import io.migmon.mongo.MongoMigrationRunner;
import io.migmon.mongo.MongoRunReport;
import io.migmon.mongo.MongoValidation;
import io.migmon.mongo.MongoValidations;
import io.migmon.mongo.TransactionPolicy;
import io.migmon.mongo.mongock.MongockMetrics;
import io.mongock.driver.mongodb.reactive.driver.MongoReactiveDriver;
import io.mongock.runner.standalone.MongockStandalone;
import java.util.ArrayList;
import java.util.List;
import org.bson.Document;

/**
 * The code snippets of docs/mongo.md, verbatim (DocsSnippetsTest checks that every java block of that file appears
 * here, whitespace aside), so the build compiles them.
 */
@SuppressWarnings("unused")
final class MongoSnippets {
    static final class V1SeedCustomers implements MongoMigration {
        @Override public String version() { return "1"; }
        @Override public String description() { return "seed customers"; }
        @Override public long expectedDocuments() { return 5_000; }          // progress ratio + ETA

        @Override
        public void up(MongoMigrationContext ctx) {
            MongoCollection<Document> customers = ctx.collection("customers");
            for (int start = 0; start < 5_000; start += 1_000) {
                List<Document> batch = new ArrayList<>();
                for (int i = start; i < start + 1_000; i++) {
                    batch.add(new Document("_id", i).append("name", "customer " + i));
                }
                // with the transaction's session when there is one, without otherwise
                ctx.await(s -> customers.insertMany(s, batch), () -> customers.insertMany(batch));
                ctx.documents("customers", batch.size());                     // per batch
            }
        }

        @Override
        public List<MongoValidation> validations() {
            return List.of(MongoValidations.countDelta("customers", 5_000));
        }
    }

    static final class V2Tier implements MongoMigration {
        @Override public String version() { return "2"; }
        @Override public String description() { return "every customer gets a tier"; }

        @Override
        public void up(MongoMigrationContext ctx) {
            MongoCollection<Document> customers = ctx.collection("customers");
            UpdateResult r = ctx.await(
                    s -> customers.updateMany(s, Filters.exists("tier", false), Updates.set("tier", "basic")),
                    () -> customers.updateMany(Filters.exists("tier", false), Updates.set("tier", "basic")));
            ctx.documents("customers", r.getModifiedCount());
        }

        @Override
        public List<MongoValidation> validations() {
            return List.of(MongoValidations.countUnchanged("customers"),
                    MongoValidations.sample("customers", 100, "has a tier", d -> d.containsKey("tier")));
        }
    }

    static MongoRunReport migrate(MongoClient mongoClient, PrometheusMeterRegistry registry) {
        try (MongoMigrationRunner runner = MongoMigrationRunner.builder()
                .client(mongoClient)                                  // the host's reactive-streams client
                .database("shop")
                .meterRegistry(registry)                              // the host's registry
                .transactionPolicy(TransactionPolicy.IF_SUPPORTED)    // the default
                .migrations(new V1SeedCustomers(), new V2Tier())
                .build()) {
            MongoRunReport report = runner.run();                     // blocks this thread; throws on failure
            report.migrations().forEach(m -> System.out.printf("%s %s %s transactional=%s %d docs in %d ms%n",
                    m.version(), m.description(), m.outcome(), m.transactional(), m.documents(),
                    m.duration().toMillis()));
            return report;
        }
    }

    /** Compiled, not run. */
    static void mongock(MeterRegistry registry, MongoClient mongoClient) {
        MongockMetrics metrics = MongockMetrics.builder()
                .meterRegistry(registry)
                .client(mongoClient).database("shop")      // optional: per-ChangeUnit results from mongockChangeLog
                .build();
        metrics.attachTo(MongockStandalone.builder()
                        .setDriver(MongoReactiveDriver.withDefaultLock(mongoClient, "shop"))
                        .addMigrationScanPackage("com.example.changes"))
                .buildRunner()
                .execute();
    }

    private MongoSnippets() {
    }
}
