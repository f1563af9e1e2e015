package io.migmon.verify.mongo;

import static org.assertj.core.api.Assertions.assertThat;

import com.mongodb.reactivestreams.client.MongoCollection;
import com.mongodb.reactivestreams.client.MongoDatabase;
import io.migmon.verify.internal.Reactive;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bson.BsonDocument;
import org.bson.conversions.Bson;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Which aggregation stages and operators each in-process server evaluates, pinned: evaluated, refused (an error), or
 * unevaluated (jongodb 0.1.6 answers a {@code $project} expression with the expression itself). Both can count a
 * range server-side ({@code $match} + {@code $group} {@code $sum}); neither can hash a document
 * ({@code $toHashedIndexKey}: refused / unevaluated), so both take the streaming path (MongoServerSidePathIT).
 * A server upgrade that changes a row here changes which path the verifier can take: re-check it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MongoServerCapabilitiesIT {

    private static final Duration T = Duration.ofSeconds(30);
    private MongoServers servers;

    @BeforeAll
    void start() throws Exception {
        servers = MongoServers.start("cap");
    }

    @AfterAll
    void stop() {
        servers.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"mongo-java-server", "jongodb"})
    void probe(String kind) {
        MongoDatabase db = servers.db(servers.server(kind), "s");
        MongoCollection<BsonDocument> c = db.getCollection("p", BsonDocument.class);
        Reactive.list(c.insertMany(List.of(BsonDocument.parse("{_id: 1, a: 'x', n: 5, d: {y: 1}}"),
                BsonDocument.parse("{_id: 2, a: 'y', n: 6, d: {y: 2}}"))), T);
        Map<String, String> pipelines = new LinkedHashMap<>();
        pipelines.put("$match+$group $sum:1", "[{$match: {_id: {$gt: 0, $lte: 2}}}, {$group: {_id: null, n: {$sum: 1}}}]");
        pipelines.put("$group $sum field", "[{$group: {_id: null, s: {$sum: '$n'}}}]");
        pipelines.put("$toHashedIndexKey $$ROOT", "[{$project: {h: {$toHashedIndexKey: '$$ROOT'}}}]");
        pipelines.put("$toHashedIndexKey field", "[{$project: {h: {$toHashedIndexKey: '$a'}}}]");
        pipelines.put("$bsonSize", "[{$project: {h: {$bsonSize: '$$ROOT'}}}]");
        pipelines.put("$objectToArray", "[{$project: {h: {$objectToArray: '$$ROOT'}}}]");
        pipelines.put("$toString", "[{$project: {h: {$toString: '$n'}}}]");
        pipelines.put("$toLong", "[{$project: {h: {$toLong: '$n'}}}]");
        pipelines.put("$convert", "[{$project: {h: {$convert: {input: '$n', to: 'string'}}}}]");
        pipelines.put("$type", "[{$project: {h: {$type: '$d'}}}]");
        pipelines.put("$concat", "[{$project: {h: {$concat: ['$a', '-']}}}]");
        pipelines.put("$strLenBytes", "[{$project: {h: {$strLenBytes: '$a'}}}]");
        pipelines.put("$map", "[{$project: {h: {$map: {input: [1, 2], as: 'v', in: {$add: ['$$v', 1]}}}}}]");
        pipelines.put("$reduce", "[{$project: {h: {$reduce: {input: [1, 2], initialValue: 0, in: {$add: ['$$value', '$$this']}}}}}]");
        pipelines.put("$multiply/$mod", "[{$project: {h: {$mod: [{$multiply: ['$n', 31]}, 7]}}}]");
        pipelines.put("$function", "[{$project: {h: {$function: {body: 'function(x) { return x + 1; }', args: ['$n'], lang: 'js'}}}}]");
        pipelines.put("$sort+$limit", "[{$sort: {_id: -1}}, {$limit: 1}, {$project: {_id: 1}}]");
        pipelines.put("$skip", "[{$sort: {_id: 1}}, {$skip: 1}, {$project: {_id: 1}}]");
        Map<String, String> outcome = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : pipelines.entrySet()) {
            String result;
            String verdict;
            try {
                List<Bson> stages = BsonDocument.parse("{p: " + e.getValue() + "}").getArray("p").stream()
                        .map(v -> (Bson) v.asDocument()).toList();
                List<BsonDocument> out = Reactive.list(c.aggregate(stages), T);
                result = out.toString();
                String operator = e.getKey().split("[ /+]")[0];
                verdict = result.contains("\"" + operator + "\"") ? "unevaluated" : "evaluated";
            } catch (RuntimeException ex) {
                result = ex.getClass().getSimpleName() + ": " + ex.getMessage();
                verdict = "refused";
            }
            outcome.put(e.getKey(), verdict);
            System.out.println("CAP " + kind + " | " + e.getKey() + " | " + verdict + " | "
                    + result.replace('\n', ' '));
        }
        Map<String, String> expected = new LinkedHashMap<>();
        boolean jongodb = kind.equals("jongodb");
        for (String k : pipelines.keySet()) {
            expected.put(k, jongodb ? "unevaluated" : "evaluated");
        }
        for (String stage : List.of("$match+$group $sum:1", "$group $sum field", "$sort+$limit", "$skip")) {
            expected.put(stage, "evaluated");
        }
        if (!jongodb) {
            for (String op : List.of("$toHashedIndexKey $$ROOT", "$toHashedIndexKey field", "$bsonSize", "$type",
                    "$function")) {
                expected.put(op, "refused");
            }
        }
        assertThat(outcome).as(kind + " (mongo-java-server 1.47.0, jongodb 0.1.6)").isEqualTo(expected);
    }
}
