package io.migmon.verify.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.bson.BsonDocument;
import org.junit.jupiter.api.Test;

class CanonicalBsonTest {

    @Test
    void topLevelFieldOrderAndNumericTypesDoNotMatter() {
        BsonDocument a = BsonDocument.parse("{_id: 1, a: {x: 1, y: 'z'}, n: {$numberLong: '5'}, d: {$numberDecimal: '1.50'}}");
        BsonDocument b = BsonDocument.parse("{n: 5, d: 1.5, a: {x: 1.0, y: 'z'}, _id: 1}");
        assertThat(CanonicalBson.text(a)).isEqualTo(CanonicalBson.text(b));
        assertThat(CanonicalBson.hash(a)).isEqualTo(CanonicalBson.hash(b));
        assertThat(CanonicalBson.differingFields(a, b)).isEmpty();
    }

    /** Embedded documents compare in field order, as MongoDB's equality match does (and as {@code _id} does). */
    @Test
    void embeddedFieldOrderMatters() {
        BsonDocument a = BsonDocument.parse("{_id: 1, a: {x: 1, y: 'z'}, l: [{p: 1, q: 2}]}");
        BsonDocument b = BsonDocument.parse("{_id: 1, a: {y: 'z', x: 1}, l: [{q: 2, p: 1}]}");
        assertThat(CanonicalBson.hash(a)).isNotEqualTo(CanonicalBson.hash(b));
        assertThat(CanonicalBson.differingFields(a, b)).containsExactly("a", "l");
    }

    @Test
    void nullEmptyStringMissingFieldAndTypesDiffer() {
        BsonDocument nul = BsonDocument.parse("{_id: 1, s: null}");
        BsonDocument empty = BsonDocument.parse("{_id: 1, s: ''}");
        BsonDocument missing = BsonDocument.parse("{_id: 1}");
        BsonDocument number = BsonDocument.parse("{_id: 1, s: 1}");
        BsonDocument text = BsonDocument.parse("{_id: 1, s: '1'}");
        assertThat(CanonicalBson.hash(nul)).isNotEqualTo(CanonicalBson.hash(empty));
        assertThat(CanonicalBson.hash(nul)).isNotEqualTo(CanonicalBson.hash(missing));
        assertThat(CanonicalBson.hash(number)).isNotEqualTo(CanonicalBson.hash(text));
        assertThat(CanonicalBson.differingFields(nul, missing)).containsExactly("s");
        assertThat(CanonicalBson.differingFields(BsonDocument.parse("{_id: 1, a: [1, 2], b: 1}"),
                BsonDocument.parse("{_id: 1, a: [2, 1], b: 1}"))).containsExactly("a");
    }
}
