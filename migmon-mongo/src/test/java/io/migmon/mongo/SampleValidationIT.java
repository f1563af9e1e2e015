package io.migmon.mongo;

import static org.assertj.core.api.Assertions.assertThat;

import com.mongodb.reactivestreams.client.MongoClient;
import com.mongodb.reactivestreams.client.MongoCollection;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.stream.IntStream;
import org.bson.Document;
import org.junit.jupiter.api.Test;

/**
 * mongo-java-server sorts with a random comparator for {@code $sample} and fails now and then with "Comparison
 * method violates its general contract!"; the sample validation must not turn that server bug into a failed
 * migration (it failed the docs example, then DocsExampleIT, once in a clean CI run).
 */
class SampleValidationIT {

    @Test
    void manySampleValidationsOnTheInProcessServerAllPass() {
        try (MongoClient client = MongoServers.inProcessClient()) {
            io.migmon.mongo.internal.Reactive.first(client.getDatabase("samples").drop(), java.time.Duration.ofSeconds(10));
            MongoMigration seedAndCheck = new MongoMigration() {
                @Override public String version() { return "1"; }
                @Override public String description() { return "seed, then sample 40 times"; }

                @Override
                public void up(MongoMigrationContext ctx) {
                    MongoCollection<Document> items = ctx.collection("items");
                    List<Document> docs = new ArrayList<>();
                    IntStream.range(0, 5_000).forEach(i -> docs.add(new Document("_id", i).append("ok", true)));
                    ctx.await(s -> items.insertMany(s, docs), () -> items.insertMany(docs));
                    ctx.documents("items", docs.size());
                }

                @Override
                public List<MongoValidation> validations() {
                    return Collections.nCopies(40, MongoValidations.sample("items", 200, "ok", d -> d.getBoolean("ok")));
                }
            };
            try (MongoMigrationRunner runner = MongoMigrationRunner.builder().client(client).database("samples")
                    .meterRegistry(new SimpleMeterRegistry()).migrations(seedAndCheck).build()) {
                MongoRunReport report = runner.run();
                assertThat(report.applied()).containsExactly("1");
                assertThat(report.migrations().get(0).validations()).hasSize(40).allMatch(ValidationResult::passed);
            }
        }
    }
}
