package io.migmon.core.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.noop.NoopCounter;
import io.micrometer.core.instrument.noop.NoopDistributionSummary;
import io.micrometer.core.instrument.noop.NoopFunctionCounter;
import io.micrometer.core.instrument.noop.NoopGauge;
import io.micrometer.core.instrument.noop.NoopTimer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToDoubleFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Registers {@link MetricCatalog} meters in the host's {@link MeterRegistry}, applying the prefix and the tag
 * cardinality cap of {@link MetricsOptions}, and remembers what it registered so that {@link #close()} removes
 * exactly those meters and nothing the host or another component registered.
 *
 * <p>Each migmon component (a migration monitor, a CDC processor, an alert dispatcher) owns one instance.
 * Thread-safe. Registration is not meant for the hot path: cache the returned meter.
 *
 * <p><b>After {@link #close()}</b> nothing is registered any more: the register methods return a detached no-op
 * meter (its id is the one it would have had), so a worker still running after its component was closed neither
 * leaks a meter into the host's registry nor hands a stale one to the next component with the same id. A
 * registration racing with {@code close()} is removed again by whichever of the two finishes last.
 */
public final class MigmonMeters implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(MigmonMeters.class);
    private static final String UNKNOWN = "unknown";

    private final MeterRegistry registry;
    private final MetricsOptions options;
    private final TagValueLimiter limiter;
    private final Set<Meter.Id> registered = ConcurrentHashMap.newKeySet();
    private final Set<String> failureLogged = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    private MigmonMeters(MeterRegistry registry, MetricsOptions options) {
        this.registry = Objects.requireNonNull(registry, "meterRegistry must not be null");
        this.options = Objects.requireNonNull(options, "metricsOptions must not be null");
        this.limiter = new TagValueLimiter(options.maxTagValues(),
                key -> counter(MetricCatalog.TAG_OVERFLOW, MetricCatalog.TAG_KEY, key).increment());
    }

    /** A meter set with default options. */
    public static MigmonMeters create(MeterRegistry registry) {
        return new MigmonMeters(registry, MetricsOptions.defaults());
    }

    public static MigmonMeters create(MeterRegistry registry, MetricsOptions options) {
        return new MigmonMeters(registry, options);
    }

    public MeterRegistry registry() {
        return registry;
    }

    public MetricsOptions options() {
        return options;
    }

    /** Registers (or finds) a counter. {@code tagKeyValues} are key, value pairs for exactly the definition's tags. */
    public Counter counter(MeterDefinition def, String... tagKeyValues) {
        requireType(def, MeterType.COUNTER);
        if (closed) {
            return new NoopCounter(detachedId(def, Meter.Type.COUNTER, tagKeyValues));
        }
        Counter c = Counter.builder(def.name(options.prefix()))
                .description(def.description())
                .baseUnit(def.baseUnit())
                .tags(tags(def, tagKeyValues))
                .register(registry);
        return remember(c);
    }

    /**
     * Registers (or finds) a counter whose value is read from {@code obj} at each scrape (a Micrometer
     * {@link FunctionCounter}), e.g. a {@link java.util.concurrent.atomic.LongAdder} the hot path adds to. When a
     * meter with the same name and tags exists, that one is returned (its {@code obj} is the one that counts).
     */
    public <T> FunctionCounter functionCounter(MeterDefinition def, T obj, ToDoubleFunction<T> fn, String... tagKeyValues) {
        requireType(def, MeterType.COUNTER);
        if (closed) {
            return new NoopFunctionCounter(detachedId(def, Meter.Type.COUNTER, tagKeyValues));
        }
        FunctionCounter c = FunctionCounter.builder(def.name(options.prefix()), obj, fn)
                .description(def.description())
                .baseUnit(def.baseUnit())
                .tags(tags(def, tagKeyValues))
                .register(registry);
        return remember(c);
    }

    /** Registers (or finds) a timer with the definition's histogram buckets. */
    public Timer timer(MeterDefinition def, String... tagKeyValues) {
        requireType(def, MeterType.TIMER);
        if (closed) {
            return new NoopTimer(detachedId(def, Meter.Type.TIMER, tagKeyValues));
        }
        Timer t = Timer.builder(def.name(options.prefix()))
                .description(def.description())
                .tags(tags(def, tagKeyValues))
                .serviceLevelObjectives(def.bucketDurations())
                .register(registry);
        return remember(t);
    }

    /** Registers (or finds) a distribution summary with the definition's histogram buckets. */
    public DistributionSummary summary(MeterDefinition def, String... tagKeyValues) {
        requireType(def, MeterType.DISTRIBUTION_SUMMARY);
        if (closed) {
            return new NoopDistributionSummary(detachedId(def, Meter.Type.DISTRIBUTION_SUMMARY, tagKeyValues));
        }
        DistributionSummary s = DistributionSummary.builder(def.name(options.prefix()))
                .description(def.description())
                .baseUnit(def.baseUnit())
                .tags(tags(def, tagKeyValues))
                .serviceLevelObjectives(def.buckets())
                .register(registry);
        return remember(s);
    }

    /**
     * Registers a gauge that samples {@code fn} on {@code obj}. The gauge holds {@code obj} strongly, so it lives
     * until removed ({@link #remove(Meter)} or {@link #close()}).
     */
    public <T> Gauge gauge(MeterDefinition def, T obj, ToDoubleFunction<T> fn, String... tagKeyValues) {
        requireType(def, MeterType.GAUGE);
        if (closed) {
            return new NoopGauge(detachedId(def, Meter.Type.GAUGE, tagKeyValues));
        }
        Gauge g = Gauge.builder(def.name(options.prefix()), obj, fn)
                .description(def.description())
                .baseUnit(def.baseUnit())
                .tags(tags(def, tagKeyValues))
                .strongReference(true)
                .register(registry);
        return remember(g);
    }

    /** Removes one meter this instance registered. Meters it did not register are left alone. */
    public void remove(Meter meter) {
        if (meter != null && registered.remove(meter.getId())) {
            registry.remove(meter.getId());
        }
    }

    /** Ids of the meters this instance has registered and not yet removed. */
    public Set<Meter.Id> registeredIds() {
        return Set.copyOf(registered);
    }

    /**
     * Counts a failure that migmon contained instead of letting it reach the host, and logs it: at WARN the first
     * time per component, at DEBUG afterwards. Never throws.
     */
    public void recordFailure(String component, Throwable failure) {
        try {
            if (!closed) {
                counter(MetricCatalog.OBSERVABILITY_FAILURES, MetricCatalog.COMPONENT, component).increment();
            }
            if (failureLogged.add(component)) {
                LOG.warn("migmon contained a failure in component '{}' (further ones logged at DEBUG): {}",
                        component, String.valueOf(failure));
            } else {
                LOG.debug("migmon contained a failure in component '{}'", component, failure);
            }
        } catch (RuntimeException ignored) {
            // the last line of defence: observability never breaks the host
        }
    }

    /** Removes every meter this instance registered; registers none afterwards (see the class comment). Idempotent. */
    @Override
    public void close() {
        closed = true;
        for (Meter.Id id : new ArrayList<>(registered)) {
            registry.remove(id);
            registered.remove(id);
        }
    }

    private <M extends Meter> M remember(M meter) {
        Meter.Id id = meter.getId();
        registered.add(id);
        if (closed && registered.remove(id)) {
            registry.remove(id); // close() ran while this was being registered and may have missed it
        }
        return meter;
    }

    /** The id a meter registered now would have, for the detached no-op meters handed out after close(). */
    private Meter.Id detachedId(MeterDefinition def, Meter.Type type, String... tagKeyValues) {
        return new Meter.Id(def.name(options.prefix()), tags(def, tagKeyValues), def.baseUnit(), def.description(), type);
    }

    private static void requireType(MeterDefinition def, MeterType type) {
        if (def.type() != type) {
            throw new IllegalArgumentException(def.name() + " is a " + def.type() + ", not a " + type);
        }
    }

    private Tags tags(MeterDefinition def, String... kv) {
        if (kv.length % 2 != 0) {
            throw new IllegalArgumentException("tags of " + def.name() + " must be key/value pairs");
        }
        List<Tag> list = new ArrayList<>(kv.length / 2);
        Set<String> keys = new HashSet<>();
        for (int i = 0; i < kv.length; i += 2) {
            String key = kv[i];
            String value = kv[i + 1] == null || kv[i + 1].isEmpty() ? UNKNOWN : kv[i + 1];
            if (def.boundedTagKeys().contains(key)) {
                value = limiter.limit(key, value);
            }
            keys.add(key);
            list.add(Tag.of(key, value));
        }
        if (!keys.equals(new HashSet<>(def.tagKeys()))) {
            throw new IllegalArgumentException(
                    def.name() + " takes tags " + def.tagKeys() + ", was given " + keys);
        }
        return Tags.of(list);
    }
}
