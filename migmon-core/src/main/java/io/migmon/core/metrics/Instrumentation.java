package io.migmon.core.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.migmon.core.support.Require;
import java.time.Clock;
import java.util.Objects;

/**
 * Where and how a migmon component records: the host's {@link MeterRegistry}, the {@link MetricsOptions} (prefix,
 * tag cap) and the {@link Clock} that time-dependent values (durations, lag, ETA) are measured with.
 *
 * <p>Every migmon component builder accepts one through {@code .instrumentation(Instrumentation)}, so a host that
 * wires several components states its registry, options and clock once:
 *
 * <pre>{@code
 * Instrumentation instr = Instrumentation.of(registry)
 *         .withOptions(MetricsOptions.builder().prefix("myapp").build());
 * ObservableMigration migration = ObservableMigration.builder("orders-backfill").instrumentation(instr).build();
 * AnomalyMonitor monitor = AnomalyMonitor.builder("orders-backfill").instrumentation(instr).defaultDetectors().build();
 * }</pre>
 *
 * <p>The builders' older {@code meterRegistry(..)}, {@code metricsOptions(..)} and {@code clock(..)} setters remain as
 * shortcuts that change one part; whichever setter is called last wins for that part. Components that measure no
 * time themselves ignore the clock.
 *
 * <p>Immutable and thread-safe; the {@code with...} methods return a new value. Two values are equal when they hold
 * the same registry instance (identity: a registry has no value semantics), equal options and equal clocks.
 * {@link #toString()} names the registry's class only, never its configuration (which may hold credentials).
 */
public final class Instrumentation {

    private final MeterRegistry registry;
    private final MetricsOptions options;
    private final Clock clock;

    private Instrumentation(MeterRegistry registry, MetricsOptions options, Clock clock) {
        this.registry = registry;
        this.options = options;
        this.clock = clock;
    }

    /**
     * Records into {@code registry} with {@link MetricsOptions#defaults()} and {@link Clock#systemUTC()}.
     *
     * @throws IllegalArgumentException if {@code registry} is null
     */
    public static Instrumentation of(MeterRegistry registry) {
        Require.notNull(registry, "registry");
        return new Instrumentation(registry, MetricsOptions.defaults(), Clock.systemUTC());
    }

    /**
     * A copy with these metric options.
     *
     * @throws IllegalArgumentException if {@code options} is null
     */
    public Instrumentation withOptions(MetricsOptions options) {
        Require.notNull(options, "options");
        return new Instrumentation(registry, options, clock);
    }

    /**
     * A copy with this time source.
     *
     * @throws IllegalArgumentException if {@code clock} is null
     */
    public Instrumentation withClock(Clock clock) {
        Require.notNull(clock, "clock");
        return new Instrumentation(registry, options, clock);
    }

    /** The host's registry; never null. */
    public MeterRegistry registry() {
        return registry;
    }

    /** Prefix and tag cap; never null. */
    public MetricsOptions options() {
        return options;
    }

    /** Time source; never null. */
    public Clock clock() {
        return clock;
    }

    /** A new {@link MigmonMeters} for one component, registering into {@link #registry()} with {@link #options()}. */
    public MigmonMeters newMeters() {
        return MigmonMeters.create(registry, options);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Instrumentation other
                && registry == other.registry
                && options.equals(other.options)
                && clock.equals(other.clock);
    }

    @Override
    public int hashCode() {
        return Objects.hash(System.identityHashCode(registry), options, clock);
    }

    @Override
    public String toString() {
        return "Instrumentation{registry=" + registry.getClass().getSimpleName() + ", options=" + options
                + ", clock=" + clock + "}";
    }
}
