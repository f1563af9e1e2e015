package io.migmon.verify.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migmon.core.metrics.MetricsOptions;
import io.migmon.verify.DifferenceKind;
import io.migmon.verify.TwoPostgres;
import io.migmon.verify.VerificationReport;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The verification series (name, table) a registry holds are bounded: a host that names every run differently (a
 * name per date, per scheduler run) must not grow its registry without bound. Ground truth: what each test put into
 * both databases (one changed row, id 7, unless said otherwise).
 */
class VerificationSeriesIT {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    private static TwoPostgres.Pair oneChangedRow() {
        TwoPostgres.Pair p = TwoPostgres.fresh();
        p.both("CREATE TABLE s (id int PRIMARY KEY, v text)",
                "INSERT INTO s SELECT g, 'v' || g FROM generate_series(1, 50) g");
        p.onTarget("UPDATE s SET v = 'x' WHERE id = 7");
        return p;
    }

    private Set<String> verificationsInRegistry() {
        return registry.getMeters().stream().map(Meter::getId)
                .filter(id -> id.getName().startsWith("migration.validation."))
                .map(id -> id.getTag("verification")).collect(Collectors.toSet());
    }

    private long validationMeters() {
        return registry.getMeters().stream().filter(m -> m.getId().getName().startsWith("migration.validation."))
                .count();
    }

    private double differences(String name) {
        return registry.find("migration.validation.differences").tag("verification", name).gauges().stream()
                .mapToDouble(Gauge::value).sum();
    }

    @Test
    void manyUniqueNamesKeepTheRegistryBoundedAndTheNewestReadable() {
        // three times the default cap: enough to show the bound, a third of the run time of 1,000
        int runs = 300;
        TwoPostgres.Pair p = oneChangedRow();
        for (int i = 0; i < runs; i++) {
            try (JdbcTableVerifier v = JdbcTableVerifier.builder("s").name(String.format("run-%04d", i))
                    .source(p.source()).target(p.target()).meterRegistry(registry).build()) {
                assertThat(v.verify().count(DifferenceKind.CHANGED)).isEqualTo(1);
            }
        }
        int cap = MetricsOptions.DEFAULT_MAX_TAG_VALUES;
        assertThat(verificationsInRegistry()).as("verification series in the registry").hasSize(cap);
        // rows, 3 mismatches, 4 gauges, the duration timer (status different) and what the registry adds for it
        long perSeries = registry.getMeters().stream().filter(m -> String.format("run-%04d", runs - 1).equals(m.getId().getTag("verification")))
                .count();
        assertThat(perSeries).as("meters of one series").isBetween(9L, 20L);
        assertThat(validationMeters()).as("migration.validation.* meters").isEqualTo(perSeries * cap);
        for (int i = runs - cap; i < runs; i++) {
            String name = String.format("run-%04d", i);
            assertThat(differences(name)).as("differences of " + name).isEqualTo(1.0);
            assertThat(registry.get("migration.validation.mismatches").tag("verification", name)
                    .tag("kind", "changed").counter().count()).as("changed of " + name).isEqualTo(1.0);
        }
        assertThat(registry.find("migration.validation.differences").tag("verification", "run-0000").gauges())
                .as("the oldest run's series").isEmpty();
        assertThat(registry.get("migmon.tag.overflow").tag("tag_key", "verification").counter().count())
                .as("series removed, counted").isEqualTo((double) (runs - cap));
    }

    /**
     * With a cap of 2, a verification whose run is in progress while five other names run to completion keeps its
     * series: the least recently used finished ones go, the running one publishes its result.
     */
    @Test
    void aRunningVerificationKeepsItsSeries() {
        TwoPostgres.Pair p = oneChangedRow();
        MetricsOptions two = MetricsOptions.builder().maxTagValues(2).build();
        AtomicInteger calls = new AtomicInteger();
        VerificationReport r;
        try (JdbcTableVerifier running = JdbcTableVerifier.builder("s").name("long-run").source(p.source())
                .target(p.target()).meterRegistry(registry).metricsOptions(two).pollInterval(Duration.ofMillis(20))
                .appliedWatermark(() -> {
                    if (calls.incrementAndGet() == 1) {
                        for (int i = 0; i < 5; i++) {
                            try (JdbcTableVerifier other = JdbcTableVerifier.builder("s").name("other-" + i)
                                    .source(p.source()).target(p.target()).meterRegistry(registry)
                                    .metricsOptions(two).build()) {
                                other.verify();
                            }
                        }
                    }
                    return Optional.of(Instant.now().plusSeconds(3600));
                }).build()) {
            r = running.verify();
        }
        assertThat(calls.get()).isPositive();
        assertThat(r.count(DifferenceKind.CHANGED)).isEqualTo(1);
        assertThat(differences("long-run")).as("the running verification's series").isEqualTo(1.0);
        assertThat(verificationsInRegistry()).containsExactlyInAnyOrder("long-run", "other-4");
    }

    /** A verifier whose series was removed (cap 1) registers it again when it runs again. */
    @Test
    void aVerifierWhoseSeriesWasRemovedPublishesItsNextRun() {
        TwoPostgres.Pair p = oneChangedRow();
        MetricsOptions one = MetricsOptions.builder().maxTagValues(1).build();
        try (JdbcTableVerifier a = JdbcTableVerifier.builder("s").name("a").source(p.source()).target(p.target())
                .meterRegistry(registry).metricsOptions(one).build()) {
            a.verify();
            try (JdbcTableVerifier b = JdbcTableVerifier.builder("s").name("b").source(p.source())
                    .target(p.target()).meterRegistry(registry).metricsOptions(one).build()) {
                b.verify();
                assertThat(verificationsInRegistry()).containsExactly("b");
            }
            p.onTarget("UPDATE s SET v = 'y' WHERE id = 8");
            assertThat(a.verify().totalDifferences()).isEqualTo(2);
        }
        assertThat(verificationsInRegistry()).containsExactly("a");
        assertThat(differences("a")).isEqualTo(2.0);
    }
}
