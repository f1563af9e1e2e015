package io.migmon.mongo;

import java.util.Objects;

/**
 * Outcome of one {@link MongoValidation}.
 *
 * @param check  the validation's name
 * @param passed whether it passed
 * @param detail what was observed, e.g. {@code "orders: 1000 -> 2000 documents"}
 */
public record ValidationResult(String check, boolean passed, String detail) {

    /** Validates the check name; a null detail becomes empty. */
    public ValidationResult {
        Objects.requireNonNull(check, "check");
        detail = detail == null ? "" : detail;
    }

    /** A passed check. */
    public static ValidationResult passed(String check, String detail) {
        return new ValidationResult(check, true, detail);
    }

    /** A failed check. */
    public static ValidationResult failed(String check, String detail) {
        return new ValidationResult(check, false, detail);
    }

    /** The {@code status} tag value: {@code passed} or {@code failed}. */
    public String status() {
        return passed ? "passed" : "failed";
    }
}
