package io.migmon.mongo.mongock;

import com.mongodb.reactivestreams.client.MongoDatabase;
import io.migmon.mongo.internal.Reactive;
import io.mongock.api.annotations.ChangeUnit;
import io.mongock.api.annotations.Execution;
import io.mongock.api.annotations.RollbackExecution;
import io.changock.migration.api.annotations.NonLockGuarded;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.bson.Document;

/** A real Mongock ChangeUnit that reports its documents through {@link MongockProgress}. */
@ChangeUnit(id = "seed-products", order = "001", author = "migmon")
public class SeedProductsChange {

    @Execution
    public void execution(MongoDatabase db, @NonLockGuarded MongockProgress progress) {
        for (int batch = 0; batch < 4; batch++) {
            List<Document> docs = new ArrayList<>();
            for (int i = 0; i < 25; i++) {
                docs.add(new Document("sku", "p" + (batch * 25 + i)));
            }
            Reactive.all(db.getCollection("products").insertMany(docs), Duration.ofSeconds(30));
            progress.documents("seed-products", "products", docs.size());
        }
    }

    @RollbackExecution
    public void rollback() {
    }
}
