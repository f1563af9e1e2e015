package io.migmon.mongo.mongock;

import io.changock.migration.api.annotations.NonLockGuarded;
import com.mongodb.reactivestreams.client.ClientSession;
import com.mongodb.reactivestreams.client.MongoDatabase;
import io.migmon.mongo.internal.Reactive;
import io.mongock.api.annotations.ChangeUnit;
import io.mongock.api.annotations.Execution;
import io.mongock.api.annotations.RollbackExecution;
import java.time.Duration;
import java.util.List;
import org.bson.Document;

/** Writes in Mongock's transaction session, then fails: with transactions nothing must remain. */
@ChangeUnit(id = "partial-then-fail", order = "003", author = "migmon")
public class PartialThenFailChange {

    @Execution
    public void execution(MongoDatabase db, ClientSession session, @NonLockGuarded MongockProgress progress) {
        Reactive.all(db.getCollection("partial").insertMany(session, List.of(new Document("n", 1), new Document("n", 2))),
                Duration.ofSeconds(30));
        progress.documents("partial-then-fail", "partial", 2);
        throw new IllegalStateException("fails after writing");
    }

    @RollbackExecution
    public void rollback() {
    }
}
