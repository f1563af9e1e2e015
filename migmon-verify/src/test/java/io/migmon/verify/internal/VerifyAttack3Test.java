package io.migmon.verify.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.bson.BsonDocument;
import org.junit.jupiter.api.Test;

/** Third independent review of issue 17: canonical BSON. */
class VerifyAttack3Test {

    /**
     * Finding 4. A document holding {@code NumberDecimal("-0")} (a valid decimal128 value, e.g. the result of
     * {@code -1 * 0} in decimal arithmetic) makes the canonical text throw: {@code Decimal128.bigDecimalValue()}
     * refuses negative zero with an ArithmeticException ("Negative zero can not be converted to a BigDecimal").
     * The streaming compare (the only path on both in-process servers) calls it for every document, so the whole
     * run fails (CLI: exit 2, "cannot evaluate") instead of comparing the collection. {@code numbersByValue} of
     * {@code _id} catches this case; {@code CanonicalBson} does not. Expected: -0 compares like 0 (numbers by value).
     */
    @Test
    void decimalNegativeZeroComparesByValue() {
        BsonDocument a = BsonDocument.parse("{_id: 1, d: {$numberDecimal: '-0'}}");
        BsonDocument b = BsonDocument.parse("{_id: 1, d: 0}");
        assertThat(CanonicalBson.text(a)).isEqualTo(CanonicalBson.text(b));
        assertThat(CanonicalBson.differingFields(a, b)).isEmpty();
    }
}
