package io.migmon.verify.mongo;

import com.mongodb.client.model.Aggregates;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Sorts;
import com.mongodb.reactivestreams.client.MongoCollection;
import com.mongodb.reactivestreams.client.MongoDatabase;
import io.micrometer.core.instrument.MeterRegistry;
import io.migmon.core.metrics.Instrumentation;
import io.migmon.core.metrics.MetricsOptions;
import io.migmon.core.support.Require;
import io.migmon.verify.AppliedWatermark;
import io.migmon.verify.Checkpoint;
import io.migmon.verify.CheckpointStore;
import io.migmon.verify.DifferenceKind;
import io.migmon.verify.RowDifference;
import io.migmon.verify.VerificationException;
import io.migmon.verify.VerificationHealthCheck;
import io.migmon.verify.VerificationReport;
import io.migmon.verify.internal.CanonicalBson;
import io.migmon.verify.internal.InFlightResolver;
import io.migmon.verify.internal.Reactive;
import io.migmon.verify.internal.Throttle;
import io.migmon.verify.internal.Resume;
import io.migmon.verify.internal.ValidationMeters;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonValue;
import org.bson.conversions.Bson;
import org.bson.json.JsonMode;
import org.bson.json.JsonWriterSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Verifies that a target MongoDB collection holds the same documents as a source collection, range by range over
 * {@code _id} (one BSON type of {@code _id} per collection: range queries only match values of the same type).
 *
 * <p>Per range of {@link Builder#chunkDocuments(int) chunkDocuments} source documents, when the server passes a probe
 * that its {@code $toHashedIndexKey} tells documents apart (nested values, fractional numbers: MongoDB's own
 * hashed-index hash truncates doubles and fails it), both sides compute a count and a hash sum of the documents
 * server-side and only differing ranges are read; otherwise (MongoDB, both in-process test servers,
 * {@link Builder#serverSideHash (boolean) off}) the range's documents are streamed from both sides and compared by a canonical hash (top-level
 * field order ignored, embedded documents' field order kept, numbers by value), memory bounded by one range of the
 * source plus one page of the target. Differences: missing, extra, changed (with the differing top-level fields). With an
 * {@link Builder#appliedWatermark(AppliedWatermark) applied watermark}, candidates are re-checked until the source
 * document is stable across a re-check that the watermark has passed (this host's clock is the reference: the
 * watermark must be on the same time base).
 *
 * <p>Immutable and thread-safe; {@link #verify()} blocks. {@link #close()} keeps the meters with the last run's result; {@link #removeMeters()} removes them.
 */
public final class MongoCollectionVerifier implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(MongoCollectionVerifier.class);
    private static final JsonWriterSettings EXTENDED = JsonWriterSettings.builder().outputMode(JsonMode.EXTENDED).build();
    private static final JsonWriterSettings RELAXED = JsonWriterSettings.builder().outputMode(JsonMode.RELAXED).build();

    /**
     * Version of the document hash this verifier compares ranges with, saved in its checkpoints: a checkpoint of
     * another version (0: written before 2026-11-27, when versions were not recorded) is not resumed. 2: embedded
     * documents compare in their field order, decimal -0 as 0 (2026-11-27).
     */
    public static final int HASH_VERSION = 2;

    private final String collection;
    private final String name;
    private final String targetCollection;
    private final MongoDatabase source;
    private final MongoDatabase target;
    private final BsonDocument filter;
    private final int chunk;
    private final int maxReported;
    private final int maxRechecks;
    private final double maxRowsPerSecond;
    private final Boolean serverSideHash;
    private final AppliedWatermark watermark;
    private final Duration inFlightTimeout;
    private final Duration pollInterval;
    private final Duration timeout;
    private final CheckpointStore checkpoints;
    private final VerificationHealthCheck healthCheck;
    private final Clock clock;
    private final ValidationMeters meters;

    private MongoCollectionVerifier(Builder b) {
        this.collection = b.collection;
        this.name = b.name == null ? b.collection : b.name;
        this.targetCollection = b.targetCollection == null ? b.collection : b.targetCollection;
        this.source = b.source;
        this.target = b.target;
        this.filter = b.filter;
        this.chunk = b.chunk;
        this.maxReported = b.maxReported;
        this.maxRechecks = b.maxRechecks;
        this.maxRowsPerSecond = b.maxRowsPerSecond;
        this.serverSideHash = b.serverSideHash;
        this.watermark = b.watermark;
        this.inFlightTimeout = b.inFlightTimeout;
        this.pollInterval = b.pollInterval;
        this.timeout = b.timeout;
        this.checkpoints = b.checkpoints;
        this.healthCheck = b.healthCheck;
        this.clock = b.clock;
        this.meters = new ValidationMeters(b.registry, b.options, b.clock, name, b.collection);
    }

    public static Builder builder(String collection) {
        return new Builder(collection);
    }

    /** The identity of this verification (for checkpoints). */
    public String id() {
        return "mongodb:" + source.getName() + "." + collection + "->" + target.getName() + "." + targetCollection
                + (filter == null ? "" : " filter " + filter.toJson());
    }

    /**
     * Runs the verification.
     *
     * @throws VerificationException when it cannot run (server unreachable, timeout)
     */
    public VerificationReport verify() {
        Instant started = clock.instant();
        try {
            VerificationReport report = new Run(started).execute();
            meters.finished(report);
            if (healthCheck != null) {
                try {
                    healthCheck.record(report);
                } catch (RuntimeException e) {
                    meters.recordFailure("verify-health", e);
                }
            }
            return report;
        } catch (RuntimeException e) {
            meters.failed(Duration.between(started, clock.instant()));
            if (e instanceof VerificationException) {
                throw e;
            }
            throw new VerificationException("verification of " + collection + " failed: " + e.getMessage(), e);
        }
    }

    /**
     * Ends the verifier's use; its meters stay registered with the last run's result, so that a scrape after the run
     * still sees it. A later verifier of the same name and collection in the same registry takes them over;
     * {@link #removeMeters()} removes them.
     */
    @Override
    public void close() {
        meters.close();
    }

    /** Removes the meters this verifier registered (the host's call, e.g. when the verification is retired). */
    public void removeMeters() {
        meters.remove();
    }

    @Override
    public String toString() {
        return "MongoCollectionVerifier{" + (name.equals(collection) ? "" : name + ": ") + collection + (targetCollection.equals(collection) ? "" : " -> "
                + targetCollection) + ", chunkDocuments=" + chunk + "}";
    }

    private final class Run {
        private final Instant started;
        private final MongoCollection<BsonDocument> src = source.getCollection(collection, BsonDocument.class);
        private final MongoCollection<BsonDocument> tgt = target.getCollection(targetCollection, BsonDocument.class);
        private final Throttle throttle = new Throttle(maxRowsPerSecond);
        // with a throttle a range holds at most one second's worth of documents (shadows the builder's value), so
        // that the reads themselves follow the rate: the throttle can only pause between ranges
        private final int chunk = maxRowsPerSecond > 0
                ? (int) Math.max(10, Math.min(MongoCollectionVerifier.this.chunk, (long) maxRowsPerSecond))
                : MongoCollectionVerifier.this.chunk;
        private final List<RowDifference> candidates = new ArrayList<>();
        private final List<BsonValue> candidateIds = new ArrayList<>();
        private final long[] unlisted = new long[DifferenceKind.values().length];
        private long sourceRows;
        private long targetRows;
        private long rowsChecked;
        private long rowsThisRun;
        private long rangesCompared;
        private long rangesDiffering;
        private Boolean serverHash = serverSideHash;
        private boolean hashProbed;

        Run(Instant started) {
            this.started = started;
        }

        VerificationReport execute() {
            requireCollection(source, collection, "source");
            requireCollection(target, targetCollection, "target");
            String id = id();
            BsonValue lower = null;
            boolean resumed = false;
            Checkpoint cp = Resume.load(checkpoints, id, HASH_VERSION, collection);
            if (cp != null && cp.lastKey().size() == 1) {
                lower = BsonDocument.parse(cp.lastKey().get(0)).get("v");
                sourceRows = cp.sourceRows();
                targetRows = cp.targetRows();
                rowsChecked = cp.rowsChecked();
                rangesCompared = cp.rangesCompared();
                rangesDiffering = cp.rangesDiffering();
                for (RowDifference d : cp.candidates()) {
                    candidates.add(d);
                    candidateIds.add(BsonDocument.parse(d.key().get("_id_extended")).get("v"));
                }
                cp.unlisted().forEach((k, n) -> unlisted[k.ordinal()] += n);
                resumed = true;
            }
            requireOneIdType();
            long estimate = filter == null ? Reactive.list(src.estimatedDocumentCount(), timeout).get(0) : -1;
            meters.start(estimate, rowsChecked);
            while (true) {
                long[] counts = rangeStep(lower);
                long covered = Math.max(counts[0], counts[1]);
                rowsChecked += covered;
                rowsThisRun += covered;
                meters.rowsChecked(covered, rowsChecked, rowsThisRun);
                throttle.acquire(covered);
                if (counts[2] == 0) {
                    break;
                }
                lower = lastId;
                if (checkpoints != null) {
                    Map<DifferenceKind, Long> u = new EnumMap<>(DifferenceKind.class);
                    for (DifferenceKind k : DifferenceKind.values()) {
                        u.put(k, unlisted[k.ordinal()]);
                    }
                    checkpoints.save(new Checkpoint(id, List.of(new BsonDocument("v", lower).toJson(EXTENDED)),
                            sourceRows, targetRows, rowsChecked, rangesCompared, rangesDiffering, candidates, u,
                            HASH_VERSION));
                }
            }
            VerificationReport report = finish(resumed);
            if (checkpoints != null) {
                checkpoints.clear(id);
            }
            return report;
        }

        private BsonValue lastId;

        /**
         * A collection that does not exist (a typo in its or its database's name) cannot be evaluated: MongoDB reads
         * it as empty, which would make a typo on both sides "identical" and one on the target "every document
         * missing".
         */
        private void requireCollection(MongoDatabase db, String name, String side) {
            List<String> names;
            try {
                names = Reactive.list(db.listCollectionNames(), timeout);
            } catch (com.mongodb.MongoCommandException e) {
                if (e.getErrorCode() == 59) { // CommandNotFound: the server cannot list collections (jongodb 0.1.6)
                    return;
                }
                throw e;
            }
            if (!names.contains(name)) {
                throw new VerificationException(side + " collection " + name + " does not exist in database "
                        + db.getName());
            }
        }

        /**
         * Ranges after the first chunk are {@code _id > lower}, which MongoDB matches within {@code lower}'s type
         * bracket only: documents whose {@code _id} is of another type (strings beside numbers, ObjectIds, ...) would
         * be skipped silently. The smallest and largest {@code _id} of each side (two index reads) show whether more
         * than one bracket is present; if so the run fails naming the types and the way out (a filter per type).
         */
        private void requireOneIdType() {
            java.util.Set<String> brackets = new java.util.TreeSet<>();
            for (MongoCollection<BsonDocument> c : List.of(src, tgt)) {
                for (int direction : new int[] {1, -1}) {
                    List<BsonDocument> first = Reactive.list(c.find(range(null, null))
                            .sort(new BsonDocument("_id", new BsonInt32(direction)))
                            .projection(new BsonDocument("_id", new BsonInt32(1))).limit(1), timeout);
                    if (!first.isEmpty() && first.get(0).get("_id") != null) {
                        brackets.add(bracket(first.get(0).get("_id")));
                    }
                }
            }
            if (brackets.size() > 1) {
                throw new VerificationException("collection " + collection + " has _id values of several BSON types "
                        + brackets + ": ranges over _id match one type only; verify each type with a filter, e.g. "
                        + "{\"_id\": {\"$type\": \"string\"}}");
            }
        }

        private static String bracket(BsonValue id) {
            return switch (id.getBsonType()) {
                case INT32, INT64, DOUBLE, DECIMAL128 -> "number";
                case STRING, SYMBOL -> "string";
                default -> id.getBsonType().name().toLowerCase(java.util.Locale.ROOT);
            };
        }

        /** One top-level range after {@code lower}: {source count, target count, 1 if more ranges follow}. */
        private long[] rangeStep(BsonValue lower) {
            if (!Boolean.FALSE.equals(serverHash)) {
                try {
                    return serverStep(lower);
                } catch (RuntimeException e) {
                    if (Boolean.TRUE.equals(serverSideHash)) {
                        throw e instanceof VerificationException ? e : new VerificationException(
                                "serverSideHash(true): range hashes failed on the server: " + e.getMessage(), e);
                    }
                    if (hashProbed) {
                        throw e;   // the server hashed earlier ranges: a failure now is not a missing feature
                    }
                    LOG.info("server-side hashing not available ({}); streaming documents instead", e.getMessage());
                    serverHash = false;
                }
            }
            return streamStep(lower, null, true);
        }

        private long[] serverStep(BsonValue lower) {
            if (!hashProbed) {
                // also when forced: a server that answers with the same hash for different documents would
                // otherwise report differing ranges as identical
                if (!serverHashesDocuments()) {
                    throw new VerificationException("$toHashedIndexKey does not tell documents apart on this server");
                }
                hashProbed = true;
            }
            // the chunk's upper bound: the chunk-th _id after lower (an _id index walk, one small document)
            List<BsonDocument> nth = Reactive.list(src.find(range(lower, null)).sort(Sorts.ascending("_id"))
                    .projection(new BsonDocument("_id", new BsonInt32(1))).skip(chunk - 1).limit(1), timeout);
            boolean more = !nth.isEmpty();
            BsonValue upper = more ? nth.get(0).get("_id") : null;
            List<BsonDocument> s = Reactive.list(src.aggregate(hashPipeline(lower, upper)), timeout);
            List<BsonDocument> t = Reactive.list(tgt.aggregate(hashPipeline(lower, upper)), timeout);
            long sn = s.isEmpty() ? 0 : s.get(0).getNumber("n").longValue();
            long tn = t.isEmpty() ? 0 : t.get(0).getNumber("n").longValue();
            serverHash = true;
            BsonValue sh = s.isEmpty() ? null : s.get(0).get("h");
            BsonValue th = t.isEmpty() ? null : t.get(0).get("h");
            if (sn > 0 && (sh == null || !sh.isNumber()) || tn > 0 && (th == null || !th.isNumber())) {
                // the probe passed, the range sum did not come back as a number: nothing to compare
                throw new VerificationException("range hash is not a number on this server: " + sh + " / " + th);
            }
            if (sn == tn && Objects.equals(sh, th)) {
                rangesCompared++;
                sourceRows += sn;
                targetRows += tn;
                lastId = upper;
                return new long[] {sn, tn, more ? 1 : 0};
            }
            // differing (or the same documents with another field order): compare this range document by document
            return streamStep(lower, upper, more);
        }

        /**
         * Whether the source and target servers hash whole documents (nested fields and arrays included): a server
         * that returns the same hash for {x: [1, {y: 1}]} and {x: [1, {y: 2}]} cannot be trusted with range hashes.
         * The hashes must be 64-bit integers (jongodb 0.1.6 answers with the unevaluated expression, different
         * documents for different literals), and fractional numbers must hash apart, at the top level and nested:
         * MongoDB's hashed-index hash, which {@code $toHashedIndexKey} computes, truncates doubles to 64-bit integers
         * (2.3 and 2.9 hash alike, as MongoDB documents for hashed indexes), so a range whose documents differ only
         * there would be called identical. The literals make the answer independent of the collection's contents
         * (one document is enough; the old probe needed two documents to catch jongodb).
         */
        private boolean serverHashesDocuments() {
            List<Bson> probe = List.of(Aggregates.limit(1), BsonDocument.parse("{$project: {_id: 0, "
                    + "a: {$toHashedIndexKey: {$literal: {x: 1}}}, b: {$toHashedIndexKey: {$literal: {x: 2}}}, "
                    + "c: {$toHashedIndexKey: {$literal: {x: [1, {y: 1}]}}}, "
                    + "d: {$toHashedIndexKey: {$literal: {x: [1, {y: 2}]}}}, "
                    + "e: {$toHashedIndexKey: {$literal: {x: 2.3}}}, f: {$toHashedIndexKey: {$literal: {x: 2.9}}}, "
                    + "g: {$toHashedIndexKey: {$literal: {x: {y: 0.25}}}}, "
                    + "h: {$toHashedIndexKey: {$literal: {x: {y: 0.5}}}}}}"));
            List<Bson> roots = List.of(Aggregates.limit(2),
                    BsonDocument.parse("{$project: {_id: 0, h: {$toHashedIndexKey: '$$ROOT'}}}"));
            for (MongoCollection<BsonDocument> c : List.of(src, tgt)) {
                List<BsonDocument> r = Reactive.list(c.aggregate(probe), timeout);
                if (r.isEmpty()) {
                    continue; // an empty side: its range hashes are empty groups, nothing is trusted to a hash
                }
                BsonDocument d = r.get(0);
                for (String[] pair : new String[][] {{"a", "b"}, {"c", "d"}, {"e", "f"}, {"g", "h"}}) {
                    BsonValue x = d.get(pair[0]);
                    BsonValue y = d.get(pair[1]);
                    if (x == null || y == null || !x.isInt64() || !y.isInt64() || x.equals(y)) {
                        LOG.info("{} does not hash documents apart: {}", c.getNamespace(), d.toJson());
                        return false;
                    }
                }
                // two different documents of the collection itself must hash differently ($$ROOT supported)
                List<BsonDocument> h = Reactive.list(c.aggregate(roots), timeout);
                if (h.size() == 2 && (h.get(0).get("h") == null || !h.get(0).get("h").isInt64()
                        || h.get(0).get("h").equals(h.get(1).get("h")))) {
                    return false;
                }
            }
            return true;
        }

        private List<Bson> hashPipeline(BsonValue lower, BsonValue upper) {
            return List.of(Aggregates.match(range(lower, upper)), BsonDocument.parse(
                    "{$group: {_id: null, n: {$sum: 1}, h: {$sum: {$toHashedIndexKey: '$$ROOT'}}}}"));
        }

        /** Streams (lower, upper] (upper from the source's chunk when {@code null} and {@code more}). */
        private long[] streamStep(BsonValue lower, BsonValue knownUpper, boolean mayHaveMore) {
            List<BsonDocument> s = Reactive.list(src.find(range(lower, knownUpper)).sort(Sorts.ascending("_id"))
                    .limit(chunk), timeout);
            boolean more = knownUpper != null ? mayHaveMore : s.size() >= chunk;
            BsonValue upper = knownUpper != null ? knownUpper : more ? s.get(s.size() - 1).get("_id") : null;
            // keyed by _id as MongoDB matches it: field order kept (BsonDocument.equals ignores it, MongoDB does not:
            // {_id: {a: 1, b: 2}} is not found by {_id: {b: 2, a: 1}}), numbers by value (int32 1, int64 1 and
            // double 1.0 are one _id, as for fields)
            Map<String, BsonDocument> byId = new LinkedHashMap<>();
            s.forEach(d -> byId.put(exactId(d.get("_id")), d));
            long tn = 0;
            boolean differs = false;
            BsonValue cursor = lower;
            while (true) {
                List<BsonDocument> page = Reactive.list(tgt.find(range(cursor, upper)).sort(Sorts.ascending("_id"))
                        .limit(chunk), timeout);
                for (BsonDocument d : page) {
                    tn++;
                    BsonDocument other = byId.remove(exactId(d.get("_id")));
                    if (other == null) {
                        add(DifferenceKind.EXTRA, d.get("_id"), List.of());
                        differs = true;
                    } else if (CanonicalBson.hash(other) != CanonicalBson.hash(d)
                            || !CanonicalBson.text(other).equals(CanonicalBson.text(d))) {
                        add(DifferenceKind.CHANGED, d.get("_id"), CanonicalBson.differingFields(other, d));
                        differs = true;
                    }
                }
                if (page.size() < chunk) {
                    break;
                }
                cursor = page.get(page.size() - 1).get("_id");
            }
            for (BsonDocument missing : byId.values()) {
                add(DifferenceKind.MISSING, missing.get("_id"), List.of());
                differs = true;
            }
            sourceRows += s.size();
            targetRows += tn;
            rangesCompared++;
            if (differs) {
                rangesDiffering++;
            }
            lastId = upper;
            return new long[] {s.size(), tn, more ? 1 : 0};
        }

        private Bson range(BsonValue lower, BsonValue upper) {
            List<Bson> conds = new ArrayList<>();
            if (lower != null) {
                conds.add(Filters.gt("_id", lower));
            }
            if (upper != null) {
                conds.add(Filters.lte("_id", upper));
            }
            if (filter != null) {
                conds.add(filter);
            }
            return conds.isEmpty() ? new BsonDocument() : conds.size() == 1 ? conds.get(0) : Filters.and(conds);
        }

        private void add(DifferenceKind kind, BsonValue id, List<String> fields) {
            if (candidates.size() < maxRechecks) {
                candidates.add(new RowDifference(kind, keyMap(id), fields));
                candidateIds.add(id);
            } else {
                unlisted[kind.ordinal()]++;
            }
        }

        private Map<String, String> keyMap(BsonValue id) {
            Map<String, String> m = new LinkedHashMap<>();
            m.put("_id", idText(id));
            m.put("_id_extended", new BsonDocument("v", id).toJson(EXTENDED));
            return m;
        }

        private VerificationReport finish(boolean resumed) {
            VerificationReport.Builder rb = VerificationReport.builder(collection, "mongodb").name(name).keyColumns(List.of("_id"))
                    .filter(filter == null ? null : filter.toJson(RELAXED)).startedAt(started).resumed(resumed)
                    .ranges(rangesCompared, rangesDiffering).rows(sourceRows, targetRows, rowsChecked);
            long unlistedTotal = 0;
            for (DifferenceKind k : DifferenceKind.values()) {
                unlistedTotal += unlisted[k.ordinal()];
            }
            if (watermark == null) {
                candidates.forEach(d -> rb.difference(publicDifference(d), maxReported));
                for (DifferenceKind k : DifferenceKind.values()) {
                    rb.unlisted(k, unlisted[k.ordinal()]);
                }
                rb.inFlight(0, 0, 0, null);
            } else {
                InFlightResolver<BsonValue> resolver = new InFlightResolver<BsonValue>(watermark, this::probe,
                        inFlightTimeout, pollInterval, meters::inFlight).onConfirmed(c -> meters.confirmed(c.kind(), 1));
                InFlightResolver.Outcome<BsonValue> out = resolver.resolve(candidateIds);
                for (InFlightResolver.Confirmed<BsonValue> c : out.confirmed()) {
                    rb.difference(new RowDifference(c.kind(), Map.of("_id", idText(c.key())), c.columns()), maxReported);
                }
                rb.inFlight(out.rechecked(), out.resolved(), out.unresolved().size() + unlistedTotal, out.lastWatermark());
                for (BsonValue id : out.unresolved()) {
                    rb.unresolvedKey(Map.of("_id", idText(id)), maxReported);
                }
            }
            return rb.finishedAt(clock.instant()).build();
        }

        private RowDifference publicDifference(RowDifference d) {
            return new RowDifference(d.kind(), Map.of("_id", d.key().get("_id")), d.columns());
        }

        private InFlightResolver.Probe probe(BsonValue id) {
            Bson byId = filter == null ? Filters.eq("_id", id) : Filters.and(Filters.eq("_id", id), filter);
            List<BsonDocument> t = Reactive.list(tgt.find(byId).limit(1), timeout);
            List<BsonDocument> s = Reactive.list(src.find(byId).limit(1), timeout);
            Instant readAt = clock.instant();
            BsonDocument sd = s.isEmpty() ? null : s.get(0);
            BsonDocument td = t.isEmpty() ? null : t.get(0);
            List<String> fields = sd != null && td != null ? CanonicalBson.differingFields(sd, td) : List.of();
            return new InFlightResolver.Probe(sd == null ? null : CanonicalBson.text(sd),
                    td == null ? null : CanonicalBson.text(td), fields, readAt, null);
        }
    }

    private static String exactId(BsonValue id) {
        return new BsonDocument("v", numbersByValue(id)).toJson(EXTENDED);
    }

    /** Marker field of a number in {@link #numbersByValue} (not a field name that a real _id would use). */
    private static final String NUMBER = "\u0000migmon-number";

    /**
     * {@code id} with every finite number (int32, int64, double, decimal128) replaced by its value's plain decimal
     * text in a marker document, field order and every other type kept: the key under which both sides' documents
     * are matched.
     */
    static BsonValue numbersByValue(BsonValue id) {
        if (id.isNumber() || id.isDecimal128()) {
            java.math.BigDecimal v;
            if (id.isInt32()) {
                v = java.math.BigDecimal.valueOf(id.asInt32().getValue());
            } else if (id.isInt64()) {
                v = java.math.BigDecimal.valueOf(id.asInt64().getValue());
            } else if (id.isDouble()) {
                double d = id.asDouble().getValue();
                if (!Double.isFinite(d)) {
                    return id;
                }
                v = new java.math.BigDecimal(d);
            } else {
                org.bson.types.Decimal128 d = id.asDecimal128().getValue();
                if (d.isNaN() || d.isInfinite()) {
                    return id;
                }
                try {
                    v = d.bigDecimalValue();
                } catch (ArithmeticException negativeZero) {
                    v = java.math.BigDecimal.ZERO;
                }
            }
            return new BsonDocument(NUMBER, new org.bson.BsonString(v.signum() == 0 ? "0"
                    : v.stripTrailingZeros().toPlainString()));
        }
        if (id.isDocument()) {
            BsonDocument out = new BsonDocument();
            id.asDocument().forEach((k, v) -> out.append(k, numbersByValue(v)));
            return out;
        }
        if (id.isArray()) {
            org.bson.BsonArray out = new org.bson.BsonArray();
            id.asArray().forEach(v -> out.add(numbersByValue(v)));
            return out;
        }
        return id;
    }

    private static String idText(BsonValue id) {
        String json = new BsonDocument("v", id).toJson(RELAXED);
        return json.substring(json.indexOf(':') + 1, json.length() - 1).trim();
    }

    /**
     * Builder of {@link MongoCollectionVerifier}; not thread-safe. Invalid values fail at the setter naming the field;
     * missing collaborators fail at {@link #build()} naming the setter.
     */
    public static final class Builder {
        private final String collection;
        private String name;
        private String targetCollection;
        private MongoDatabase source;
        private MongoDatabase target;
        private BsonDocument filter;
        private int chunk = 5_000;
        private int maxReported = 100;
        private int maxRechecks = 10_000;
        private double maxRowsPerSecond;
        private Boolean serverSideHash;
        private AppliedWatermark watermark;
        private Duration inFlightTimeout = Duration.ofMinutes(5);
        private Duration pollInterval = Duration.ofMillis(200);
        private Duration timeout = Duration.ofMinutes(2);
        private CheckpointStore checkpoints;
        private VerificationHealthCheck healthCheck;
        private MeterRegistry registry;
        private MetricsOptions options = MetricsOptions.defaults();
        private Clock clock = Clock.systemUTC();

        private Builder(String collection) {
            this.collection = Require.notBlank(collection, "collection");
        }

        /**
         * The verification's name (default: the collection): the key of its entry in the health check and the
         * {@code verification} tag of its meters; give two verifiers of one collection against different targets
         * different names. Not blank, at most 200 characters, no control characters.
         */
        public Builder name(String value) {
            this.name = ValidationMeters.requireName(value);
            return this;
        }

        /** The source database (required). */
        public Builder source(MongoDatabase value) {
            this.source = Require.notNull(value, "source");
            return this;
        }

        /** The target database (required). */
        public Builder target(MongoDatabase value) {
            this.target = Require.notNull(value, "target");
            return this;
        }

        /** The target collection when named differently (default: the same name). */
        public Builder targetCollection(String value) {
            this.targetCollection = Require.notBlank(value, "targetCollection");
            return this;
        }

        /** A query filter applied to both sides. */
        public Builder filter(Bson value) {
            this.filter = Require.notNull(value, "filter").toBsonDocument();
            return this;
        }

        /** Source documents per range (default 5,000; 10 to 1,000,000); also the page size of target reads. */
        public Builder chunkDocuments(int n) {
            this.chunk = between(n, 10, 1_000_000, "chunkDocuments");
            return this;
        }

        /** Differences listed in the report (default 100; all are counted). */
        public Builder maxReportedDifferences(int n) {
            this.maxReported = between(n, 0, 1_000_000, "maxReportedDifferences");
            return this;
        }

        /** Candidate differences kept for the re-check (default 10,000). */
        public Builder maxRechecks(int n) {
            this.maxRechecks = between(n, 1, 10_000_000, "maxRechecks");
            return this;
        }

        /** Throttle: at most this many documents per second (default unlimited). */
        public Builder maxRowsPerSecond(double n) {
            if (!(n > 0) || !Double.isFinite(n)) {
                throw new IllegalArgumentException("maxRowsPerSecond must be a positive number, was " + n);
            }
            this.maxRowsPerSecond = n;
            return this;
        }

        /**
         * Force ({@code true}) or forbid ({@code false}) server-side range hashes. By default they are tried once
         * (after a probe that the server tells documents apart) and documents are streamed when the server refuses or
         * fails the probe; forced, a refusing or failing server makes {@link MongoCollectionVerifier#verify()} throw a
         * {@link VerificationException}.
         */
        public Builder serverSideHash(boolean on) {
            this.serverSideHash = on;
            return this;
        }

        /** The applied watermark of the pipeline copying source to target (same time base as this host's clock). */
        public Builder appliedWatermark(AppliedWatermark value) {
            this.watermark = Require.notNull(value, "appliedWatermark");
            return this;
        }

        /** How long in-flight differences are re-checked (default 5 min). */
        public Builder inFlightTimeout(Duration value) {
            this.inFlightTimeout = Require.positive(value, "inFlightTimeout");
            return this;
        }

        /** Pause between re-check rounds (default 200 ms). */
        public Builder pollInterval(Duration value) {
            this.pollInterval = Require.positive(value, "pollInterval");
            return this;
        }

        /** Timeout of each MongoDB operation (default 2 min). */
        public Builder operationTimeout(Duration value) {
            this.timeout = Require.positive(value, "operationTimeout");
            return this;
        }

        /** Saves progress after each range and resumes an interrupted run from it. */
        public Builder checkpoints(CheckpointStore store) {
            this.checkpoints = Require.notNull(store, "checkpoints");
            return this;
        }

        /** A health check that is DOWN while the latest run found verified differences. */
        public Builder healthCheck(VerificationHealthCheck check) {
            this.healthCheck = Require.notNull(check, "healthCheck");
            return this;
        }

        /** Registry, metric options and clock in one value (the shortcuts below set its parts). */
        public Builder instrumentation(Instrumentation value) {
            Require.notNull(value, "instrumentation");
            this.registry = value.registry();
            this.options = value.options();
            this.clock = value.clock();
            return this;
        }

        /** The host's registry (required; shortcut for part of {@link #instrumentation}). */
        public Builder meterRegistry(MeterRegistry value) {
            this.registry = Require.notNull(value, "meterRegistry");
            return this;
        }

        /** Prefix and tag cap (default {@link MetricsOptions#defaults()}; part of {@link #instrumentation}). */
        public Builder metricsOptions(MetricsOptions value) {
            this.options = Require.notNull(value, "metricsOptions");
            return this;
        }

        /** Clock of the report times and the watermark rule (default UTC; part of {@link #instrumentation}). */
        public Builder clock(Clock value) {
            this.clock = Require.notNull(value, "clock");
            return this;
        }

        /** Builds the verifier; the builder may be reused. */
        public MongoCollectionVerifier build() {
            if (source == null) {
                throw new IllegalStateException("source must be set (source(MongoDatabase))");
            }
            if (target == null) {
                throw new IllegalStateException("target must be set (target(MongoDatabase))");
            }
            if (registry == null) {
                throw new IllegalStateException(
                        "meterRegistry must be set: call meterRegistry(..) or instrumentation(..)");
            }
            return new MongoCollectionVerifier(this);
        }

        private static int between(int v, int min, int max, String field) {
            if (v < min || v > max) {
                throw new IllegalArgumentException(field + " must be between " + min + " and " + max + ", was " + v);
            }
            return v;
        }
    }
}
