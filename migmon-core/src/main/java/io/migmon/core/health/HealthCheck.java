package io.migmon.core.health;

import java.util.Objects;
import java.util.function.Supplier;

/**
 * A named check. Implementations should be cheap and must be thread-safe; they are called from the host's
 * health endpoint or scheduler. A check that throws is reported as DOWN by {@link CompositeHealthCheck}.
 * Host-agnostic: adapting to Spring Boot's {@code HealthIndicator} is a few lines.
 */
public interface HealthCheck {

    /** Stable name, used as the {@code check} tag and as the key in composite details. */
    String name();

    /** Evaluates the check now. */
    Health check();

    /** A check from a name and a supplier. */
    static HealthCheck of(String name, Supplier<Health> supplier) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(supplier, "supplier");
        return new HealthCheck() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public Health check() {
                return supplier.get();
            }

            @Override
            public String toString() {
                return "HealthCheck[" + name + "]";
            }
        };
    }
}
