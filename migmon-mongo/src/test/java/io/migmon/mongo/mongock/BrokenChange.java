package io.migmon.mongo.mongock;

import com.mongodb.reactivestreams.client.MongoDatabase;
import io.mongock.api.annotations.ChangeUnit;
import io.mongock.api.annotations.Execution;
import io.mongock.api.annotations.RollbackExecution;

/** A ChangeUnit that fails. */
@ChangeUnit(id = "broken-prices", order = "002", author = "migmon")
public class BrokenChange {

    @Execution
    public void execution(MongoDatabase db) {
        throw new IllegalStateException("price field missing");
    }

    @RollbackExecution
    public void rollback() {
    }
}
