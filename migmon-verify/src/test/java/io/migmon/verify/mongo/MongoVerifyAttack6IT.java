package io.migmon.verify.mongo;

import static org.assertj.core.api.Assertions.assertThat;

import com.mongodb.reactivestreams.client.MongoCollection;
import com.mongodb.reactivestreams.client.MongoDatabase;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migmon.verify.DifferenceKind;
import io.migmon.verify.RowDifference;
import io.migmon.verify.VerificationReport;
import io.migmon.verify.internal.Reactive;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bson.BsonDocument;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Sixth attack on migmon-verify (issue 17), MongoDB side, on both in-process servers, with the server-side hash
 * by default (probed; both servers fail the probe and stream) and forbidden: documents differing only in top-level field order,
 * numbers of equal value in int32 / int64 / double / decimal at the top level, in embedded documents and in nested
 * arrays, numbers that only look equal (2^53 + 1 as int64 against the double 2^53), nested arrays of other shapes,
 * and differences exactly at range bounds. Ground truth: the documents the test wrote, and what each server returns
 * for an equality query ({@code find({_id: ..., field: value})}) where the server decides the equality.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MongoVerifyAttack6IT {

    private static final Duration T = Duration.ofSeconds(60);
    private MongoServers servers;

    @BeforeAll
    void start() throws Exception {
        servers = MongoServers.start("att6_");
    }

    @AfterAll
    void stop() {
        servers.close();
    }

    private static void insert(MongoDatabase db, String coll, List<String> docs) {
        MongoCollection<BsonDocument> c = db.getCollection(coll, BsonDocument.class);
        Reactive.list(c.insertMany(docs.stream().map(BsonDocument::parse).toList()), T);
    }

    /** {@code mode} "auto": the default (probe, then stream when it fails); "off": serverSideHash(false). */
    private static VerificationReport verify(MongoDatabase s, MongoDatabase t, String coll, String mode, int chunk) {
        MongoCollectionVerifier.Builder b = MongoCollectionVerifier.builder(coll).source(s).target(t)
                .chunkDocuments(chunk).meterRegistry(new SimpleMeterRegistry());
        if (mode.equals("off")) {
            b.serverSideHash(false);
        }
        try (MongoCollectionVerifier v = b.build()) {
            return v.verify();
        }
    }

    /**
     * 12 document pairs on each side: the ones that only differ in top-level field order or in the BSON type of an
     * equal number (top level, embedded, nested arrays) are the same; the others differ in exactly the fields named.
     */
    @ParameterizedTest
    @CsvSource({"mongo-java-server,auto", "mongo-java-server,off", "jongodb,auto", "jongodb,off"})
    void fieldOrderNumberTypesAndNestedArrays(String kind, String serverSide) {
        MongoFixture f = servers.server(kind);
        MongoDatabase s = servers.db(f, "s");
        MongoDatabase t = servers.db(f, "t");
        List<String> src = new ArrayList<>();
        List<String> tgt = new ArrayList<>();
        // same: top-level field order
        src.add("{_id: 1, a: 1, b: 'x', c: {p: 1}}");
        tgt.add("{c: {p: 1}, b: 'x', _id: 1, a: 1}");
        // same: int32 / int64 / double / decimal of equal value, top level
        src.add("{_id: 2, a: 5, b: {$numberLong: '5'}, c: 5.0, d: {$numberDecimal: '5.00'}}");
        tgt.add("{_id: 2, a: {$numberLong: '5'}, b: 5.0, c: {$numberDecimal: '5'}, d: 5}");
        // same: equal numbers nested in arrays of arrays and in embedded documents inside arrays
        src.add("{_id: 3, a: [[1, 2], [3, [4]]], b: [{x: 1, y: [2.0]}]}");
        tgt.add("{_id: 3, a: [[{$numberLong: '1'}, 2.0], [3, [{$numberDecimal: '4.0'}]]], b: [{x: 1.0, y: [2]}]}");
        // different: embedded field order (MongoDB compares embedded documents in order)
        src.add("{_id: 4, a: {p: 1, q: 2}, b: 1}");
        tgt.add("{_id: 4, a: {q: 2, p: 1}, b: 1}");
        // different: nested arrays of another shape with the same leaves
        src.add("{_id: 5, a: [[1, 2], [3]], b: [[]]}");
        tgt.add("{_id: 5, a: [[1], [2, 3]], b: []}");
        // different: 2^53 + 1 as int64 against the double 2^53 (equal as doubles, not as numbers)
        src.add("{_id: 6, a: {$numberLong: '9007199254740993'}}");
        tgt.add("{_id: 6, a: 9007199254740992.0}");
        // different: a double one ulp above 2 against the int 2
        src.add("{_id: 7, a: 2}");
        tgt.add("{_id: 7, a: 2.0000000000000004}");
        // different: an array holding one value against the value
        src.add("{_id: 8, a: [1]}");
        tgt.add("{_id: 8, a: 1}");
        // different: null against a missing field
        src.add("{_id: 9, a: null}");
        tgt.add("{_id: 9}");
        // same: int64 2^53 + 1 against decimal 9007199254740993 (equal values)
        src.add("{_id: 10, a: {$numberLong: '9007199254740993'}}");
        tgt.add("{_id: 10, a: {$numberDecimal: '9007199254740993'}}");
        // different: the string '1' against the number 1 in a nested array
        src.add("{_id: 11, a: [[1]]}");
        tgt.add("{_id: 11, a: [['1']]}");
        // same: empty embedded document and empty array in another top-level order
        src.add("{_id: 12, a: {}, b: []}");
        tgt.add("{_id: 12, b: [], a: {}}");
        insert(s, "m", src);
        insert(t, "m", tgt);
        VerificationReport r = verify(s, t, "m", serverSide, 100);
        assertThat(r.differences()).as(kind + " serverSide=" + serverSide + ": " + r.toJson())
                .containsExactlyInAnyOrder(
                        new RowDifference(DifferenceKind.CHANGED, Map.of("_id", "4"), List.of("a")),
                        new RowDifference(DifferenceKind.CHANGED, Map.of("_id", "5"), List.of("a", "b")),
                        new RowDifference(DifferenceKind.CHANGED, Map.of("_id", "6"), List.of("a")),
                        new RowDifference(DifferenceKind.CHANGED, Map.of("_id", "7"), List.of("a")),
                        new RowDifference(DifferenceKind.CHANGED, Map.of("_id", "8"), List.of("a")),
                        new RowDifference(DifferenceKind.CHANGED, Map.of("_id", "9"), List.of("a")),
                        new RowDifference(DifferenceKind.CHANGED, Map.of("_id", "11"), List.of("a")));
        assertThat(r.sourceRows()).isEqualTo(12);
        assertThat(r.targetRows()).isEqualTo(12);
    }

    /**
     * 500 documents with int64 {@code _id}s on both sides, ranges of 50: a document missing at each of the first
     * three range bounds (50, 51, 100), one changed at the last document (500), one extra past it (501), one extra
     * before the first (0).  Both servers, default (probed) path.
     */
    @ParameterizedTest
    @CsvSource({"mongo-java-server", "jongodb"})
    void differencesAtRangeBounds(String kind) {
        MongoFixture f = servers.server(kind);
        MongoDatabase s = servers.db(f, "s");
        MongoDatabase t = servers.db(f, "t");
        List<String> src = new ArrayList<>();
        List<String> tgt = new ArrayList<>();
        for (int i = 1; i <= 500; i++) {
            String d = "{_id: {$numberLong: '" + i + "'}, v: " + i + ", w: [" + i + ", [" + i + "]]}";
            src.add(d);
            if (i != 50 && i != 51 && i != 100) {
                tgt.add(i == 500 ? "{_id: {$numberLong: '500'}, v: 500, w: [500, [501]]}" : d);
            }
        }
        tgt.add("{_id: {$numberLong: '501'}, v: 501}");
        tgt.add("{_id: {$numberLong: '0'}, v: 0}");
        insert(s, "b", src);
        insert(t, "b", tgt);
        VerificationReport r = verify(s, t, "b", "auto", 50);
        assertThat(r.differences()).as(kind + ": " + r.toJson()).containsExactlyInAnyOrder(
                new RowDifference(DifferenceKind.MISSING, Map.of("_id", "50"), List.of()),
                new RowDifference(DifferenceKind.MISSING, Map.of("_id", "51"), List.of()),
                new RowDifference(DifferenceKind.MISSING, Map.of("_id", "100"), List.of()),
                new RowDifference(DifferenceKind.CHANGED, Map.of("_id", "500"), List.of("w")),
                new RowDifference(DifferenceKind.EXTRA, Map.of("_id", "501"), List.of()),
                new RowDifference(DifferenceKind.EXTRA, Map.of("_id", "0"), List.of()));
        assertThat(r.sourceRows()).isEqualTo(500);
        assertThat(r.targetRows()).isEqualTo(499);
    }

    /** Empty and one-document collections on both servers (a side may not even have the collection). */
    @ParameterizedTest
    @CsvSource({"mongo-java-server", "jongodb"})
    void emptyAndOneDocumentCollections(String kind) {
        MongoFixture f = servers.server(kind);
        String[][] cases = {
            {"", ""},
            {"", "{_id: 1, a: 1}"},
            {"{_id: 1, a: 1}", ""},
            {"{_id: 1, a: 1}", "{_id: 1, a: 1.0}"},
            {"{_id: 1, a: 1}", "{_id: 1, a: 2}"},
        };
        for (String[] c : cases) {
            MongoDatabase s = servers.db(f, "s");
            MongoDatabase t = servers.db(f, "t");
            // an empty side is an existing, empty collection (a missing one fails the run, as documented; jongodb
            // has no create command: a document inserted and deleted)
            for (MongoDatabase db : List.of(s, t)) {
                insert(db, "o", List.of("{_id: 99}"));
                Reactive.list(db.getCollection("o").deleteOne(new org.bson.Document("_id", 99)), T);
            }
            if (!c[0].isEmpty()) {
                insert(s, "o", List.of(c[0]));
            }
            if (!c[1].isEmpty()) {
                insert(t, "o", List.of(c[1]));
            }
            VerificationReport r = verify(s, t, "o", "auto", 100);
            List<RowDifference> expected = c[0].isEmpty() && c[1].isEmpty() ? List.of()
                    : c[0].isEmpty() ? List.of(new RowDifference(DifferenceKind.EXTRA, Map.of("_id", "1"), List.of()))
                    : c[1].isEmpty() ? List.of(new RowDifference(DifferenceKind.MISSING, Map.of("_id", "1"), List.of()))
                    : c[1].contains("2") ? List.of(new RowDifference(DifferenceKind.CHANGED, Map.of("_id", "1"),
                            List.of("a"))) : List.of();
            assertThat(r.differences()).as(kind + " " + String.join(" / ", c) + ": " + r.toJson())
                    .containsExactlyInAnyOrderElementsOf(expected);
        }
    }
}
