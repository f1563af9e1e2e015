package io.migmon.mongo;

import java.util.ArrayList;
import java.util.List;

/** A {@link MongoMigration} built from a lambda, for tests. */
final class TestMigration implements MongoMigration {

    @FunctionalInterface
    interface Body {
        void up(MongoMigrationContext ctx) throws Exception;
    }

    private final String version;
    private final String description;
    private final Body body;
    private Body down;
    private long expected = -1;
    private boolean transactional = true;
    private final List<MongoValidation> validations = new ArrayList<>();

    private TestMigration(String version, String description, Body body) {
        this.version = version;
        this.description = description;
        this.body = body;
    }

    static TestMigration of(String version, String description, Body body) {
        return new TestMigration(version, description, body);
    }

    TestMigration expecting(long documents) {
        this.expected = documents;
        return this;
    }

    TestMigration validatedBy(MongoValidation... v) {
        validations.addAll(List.of(v));
        return this;
    }

    TestMigration withDown(Body d) {
        this.down = d;
        return this;
    }

    TestMigration nonTransactional() {
        this.transactional = false;
        return this;
    }

    @Override
    public String version() {
        return version;
    }

    @Override
    public String description() {
        return description;
    }

    @Override
    public void up(MongoMigrationContext context) throws Exception {
        body.up(context);
    }

    @Override
    public void down(MongoMigrationContext context) throws Exception {
        if (down == null) {
            MongoMigration.super.down(context);
        } else {
            down.up(context);
        }
    }

    @Override
    public long expectedDocuments() {
        return expected;
    }

    @Override
    public boolean transactional() {
        return transactional;
    }

    @Override
    public List<MongoValidation> validations() {
        return validations;
    }
}
