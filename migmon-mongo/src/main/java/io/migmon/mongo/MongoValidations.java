package io.migmon.mongo;

import com.mongodb.MongoCommandException;
import com.mongodb.client.model.Aggregates;
import com.mongodb.client.model.CountOptions;
import com.mongodb.reactivestreams.client.MongoCollection;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Predicate;
import org.bson.Document;
import org.bson.conversions.Bson;

/** Ready-made {@link MongoValidation}s: counts before/after, sampled document checks, index existence. */
public final class MongoValidations {

    /** NotImplemented, CommandNotFound, unrecognised pipeline stage: the server has no {@code $sample}. */
    private static final java.util.Set<Integer> SAMPLE_UNSUPPORTED = java.util.Set.of(238, 59, 40324, 16436);

    /** How often {@code $sample} is tried on a server whose implementation fails at random (see below). */
    private static final int SAMPLE_ATTEMPTS = 5;

    private MongoValidations() {
    }

    /** Test on a collection's document count before and after the migration. */
    @FunctionalInterface
    public interface CountCheck {
        boolean test(long before, long after);
    }

    /**
     * Counts the documents of {@code collection} before and after the migration and passes when {@code check}
     * accepts the pair, e.g. {@code (b, a) -> a == b} for a migration that must not lose documents.
     */
    public static MongoValidation count(String collection, String what, CountCheck check) {
        Objects.requireNonNull(collection, "collection");
        Objects.requireNonNull(check, "check");
        String name = "count:" + collection;
        return new MongoValidation() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public Object before(MongoMigrationContext ctx) {
                return countDocuments(ctx, collection);
            }

            @Override
            public ValidationResult verify(MongoMigrationContext ctx, Object before) {
                long b = (Long) before;
                long a = countDocuments(ctx, collection);
                String detail = collection + ": " + b + " -> " + a + " documents, expected " + what;
                return check.test(b, a) ? ValidationResult.passed(name, detail) : ValidationResult.failed(name, detail);
            }
        };
    }

    /** The count of {@code collection} does not change. */
    public static MongoValidation countUnchanged(String collection) {
        return count(collection, "no change", (b, a) -> a == b);
    }

    /** The count of {@code collection} grows by exactly {@code delta} (negative for deletions). */
    public static MongoValidation countDelta(String collection, long delta) {
        return count(collection, "a change of " + delta, (b, a) -> a - b == delta);
    }

    /**
     * Samples up to {@code sampleSize} documents of {@code collection} (with {@code $sample}) and passes when every
     * one satisfies {@code predicate}; the detail names the first failing {@code _id}. An empty collection passes.
     * On a server without {@code $sample} it checks the first {@code sampleSize} documents in natural order and says
     * so in the detail.
     */
    public static MongoValidation sample(String collection, int sampleSize, String description, Predicate<Document> predicate) {
        Objects.requireNonNull(collection, "collection");
        Objects.requireNonNull(predicate, "predicate");
        if (sampleSize < 1) {
            throw new IllegalArgumentException("sampleSize must be >= 1, was " + sampleSize);
        }
        String name = "sample:" + collection;
        return new SampleValidation(name, collection, sampleSize, description, predicate);
    }

    /** Passes when {@code collection} has an index named {@code indexName}. */
    public static MongoValidation indexExists(String collection, String indexName) {
        Objects.requireNonNull(collection, "collection");
        Objects.requireNonNull(indexName, "indexName");
        String name = "index:" + collection + "." + indexName;
        return named(name, (ctx, before) -> {
            List<String> names = new ArrayList<>();
            for (Document d : ctx.awaitAll(ctx.collection(collection).listIndexes())) {
                names.add(d.getString("name"));
            }
            String detail = collection + " indexes " + names;
            return names.contains(indexName) ? ValidationResult.passed(name, detail) : ValidationResult.failed(name, detail);
        });
    }

    private interface MongoValidationBody {
        ValidationResult verify(MongoMigrationContext ctx, Object before) throws Exception;
    }

    private static MongoValidation named(String name, MongoValidationBody body) {
        return new MongoValidation() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public ValidationResult verify(MongoMigrationContext ctx, Object before) throws Exception {
                return body.verify(ctx, before);
            }
        };
    }

    static long countDocuments(MongoMigrationContext ctx, String collection) {
        MongoCollection<Document> c = ctx.collection(collection);
        Long n = ctx.await(s -> c.countDocuments(s, new Document(), new CountOptions()), () -> c.countDocuments());
        return n == null ? 0 : n;
    }

    /**
     * mongo-java-server (1.47) implements {@code $sample} by sorting with a random comparator, which Java's sort
     * rejects now and then ("Comparison method violates its general contract!", error -1). A retry usually succeeds.
     */
    private static boolean randomSortBug(MongoCommandException e) {
        String m = e.getErrorMessage();
        return m != null && m.contains("Comparison method violates its general contract");
    }

    private record SampleValidation(String name, String collection, int size, String description,
                                    Predicate<Document> predicate) implements MongoValidation {
        @Override
        public ValidationResult verify(MongoMigrationContext ctx, Object before) {
            MongoCollection<Document> c = ctx.collection(collection);
            List<Bson> pipeline = List.of(Aggregates.sample(size));
            List<Document> docs;
            String how = "sampled";
            for (int attempt = 1; ; attempt++) {
                try {
                    docs = ctx.awaitAll(ctx.session().isPresent() ? c.aggregate(ctx.session().get(), pipeline) : c.aggregate(pipeline));
                    break;
                } catch (MongoCommandException e) {
                    if (randomSortBug(e) && attempt < SAMPLE_ATTEMPTS) {
                        continue;
                    }
                    if (!randomSortBug(e) && !SAMPLE_UNSUPPORTED.contains(e.getErrorCode())) {
                        throw e;
                    }
                    // servers without a usable $sample (some embedded/test servers): the first documents in natural order
                    how = "first (no usable $sample on this server)";
                    docs = ctx.awaitAll(ctx.session().isPresent() ? c.find(ctx.session().get()).limit(size) : c.find().limit(size));
                    break;
                }
            }
            for (Document d : docs) {
                if (!predicate.test(d)) {
                    return ValidationResult.failed(name, collection + ": document _id=" + d.get("_id")
                            + " does not satisfy '" + description + "' (" + docs.size() + " " + how + ")");
                }
            }
            return ValidationResult.passed(name, collection + ": " + docs.size() + " " + how + " documents satisfy '"
                    + description + "'");
        }
    }
}
