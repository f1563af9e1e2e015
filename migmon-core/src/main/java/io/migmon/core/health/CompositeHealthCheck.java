package io.migmon.core.health;

import io.migmon.core.support.Require;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Aggregates several checks: the status is the worst component status, the reasons are the components' reasons
 * prefixed with their names, and the details map each component name to its result as plain nested maps
 * ({@link Health#toMap()}: {@code status}, {@code reasons}, {@code details}), so the whole tree renders as JSON
 * without custom code. A component that throws counts as DOWN with the exception as reason. Immutable and
 * thread-safe.
 *
 * <pre>{@code
 * HealthCheck all = CompositeHealthCheck.of("orders", migrationCheck, processor.healthCheck());
 * }</pre>
 */
public final class CompositeHealthCheck implements HealthCheck {

    private final String name;
    private final List<HealthCheck> checks;

    private CompositeHealthCheck(String name, List<HealthCheck> checks) {
        this.name = name;
        this.checks = List.copyOf(checks);
    }

    public static Builder builder(String name) {
        return new Builder(name);
    }

    /**
     * A composite of {@code checks}, in this order.
     *
     * @throws IllegalArgumentException if the name is blank or two checks share a name
     */
    public static CompositeHealthCheck of(String name, HealthCheck... checks) {
        Objects.requireNonNull(checks, "checks must not be null");
        return of(name, List.of(checks));
    }

    /**
     * A composite of {@code checks}, in iteration order.
     *
     * @throws IllegalArgumentException if the name is blank or two checks share a name
     */
    public static CompositeHealthCheck of(String name, Iterable<? extends HealthCheck> checks) {
        Objects.requireNonNull(checks, "checks must not be null");
        Builder b = builder(name);
        checks.forEach(b::add);
        return b.build();
    }

    @Override
    public String name() {
        return name;
    }

    public List<HealthCheck> checks() {
        return checks;
    }

    @Override
    public Health check() {
        Health.Builder b = Health.builder();
        for (HealthCheck c : checks) {
            Health h;
            try {
                h = Objects.requireNonNull(c.check(), "check returned null");
            } catch (RuntimeException e) {
                h = Health.down("check threw " + e.getClass().getSimpleName() + ": " + e.getMessage());
            }
            for (String reason : h.reasons()) {
                b.finding(h.status(), c.name() + ": " + reason);
            }
            b.finding(h.status(), null);
            b.detail(c.name(), h);
        }
        return b.build();
    }

    /** Builder; not thread-safe. */
    public static final class Builder {
        private final String name;
        private final List<HealthCheck> checks = new ArrayList<>();

        private Builder(String name) {
            this.name = Require.notBlank(name, "name");
        }

        public Builder add(HealthCheck check) {
            checks.add(Require.notNull(check, "check"));
            return this;
        }

        public CompositeHealthCheck build() {
            Set<String> names = new HashSet<>();
            for (HealthCheck c : checks) {
                if (!names.add(c.name())) {
                    throw new IllegalArgumentException("checks: duplicate check name '" + c.name() + "'");
                }
            }
            return new CompositeHealthCheck(name, checks);
        }
    }
}
