package io.migmon.alerting;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Where matching alerts go and how they are grouped, like an Alertmanager route. Routes are tried in the order they
 * were added to the dispatcher; the first match wins unless it has {@link Builder#continueMatching(boolean)}.
 * Immutable; build with {@link #builder(String...)}.
 *
 * <ul>
 *   <li>{@code groupBy}: alerts with equal values of these labels share one notification ({@code "..."} groups by
 *       every label, i.e. one alert per group); empty puts all matching alerts in one group.</li>
 *   <li>{@code groupWait}: how long a new group waits for more alerts before its first notification.</li>
 *   <li>{@code groupInterval}: how long to wait before notifying a group about changes (new or resolved alerts).</li>
 *   <li>{@code repeatInterval}: how long before re-sending an unchanged notification for still-firing alerts.</li>
 *   <li>{@code sendResolved}: whether sinks hear about resolutions.</li>
 * </ul>
 */
public final class Route {

    /** The {@code groupBy} value meaning "every label": no grouping. */
    public static final String ALL_LABELS = "...";

    private final String name;
    private final Matcher matcher;
    private final List<String> sinks;
    private final List<String> groupBy;
    private final Duration groupWait;
    private final Duration groupInterval;
    private final Duration repeatInterval;
    private final boolean sendResolved;
    private final boolean continueMatching;

    private Route(Builder b) {
        this.name = b.name;
        this.matcher = b.matcher;
        this.sinks = List.copyOf(b.sinks);
        this.groupBy = List.copyOf(b.groupBy);
        this.groupWait = b.groupWait;
        this.groupInterval = b.groupInterval;
        this.repeatInterval = b.repeatInterval;
        this.sendResolved = b.sendResolved;
        this.continueMatching = b.continueMatching;
    }

    /** A route delivering to the named sinks ({@link io.migmon.alerting.spi.AlertSink#name()}). */
    public static Builder builder(String... sinkNames) {
        return new Builder(List.of(sinkNames));
    }

    /** The route name (logs, group keys). */
    public String name() {
        return name;
    }

    /** Which alerts the route takes. */
    public Matcher matcher() {
        return matcher;
    }

    /** The sink names notifications go to. */
    public List<String> sinks() {
        return sinks;
    }

    /** The labels alerts are grouped by. */
    public List<String> groupBy() {
        return groupBy;
    }

    /** Wait before a new group's first notification. */
    public Duration groupWait() {
        return groupWait;
    }

    /** Wait between notifications about a group's changes. */
    public Duration groupInterval() {
        return groupInterval;
    }

    /** Wait before re-sending an unchanged firing group. */
    public Duration repeatInterval() {
        return repeatInterval;
    }

    /** Whether resolutions are notified. */
    public boolean sendResolved() {
        return sendResolved;
    }

    /** Whether later routes are tried after this one matched. */
    public boolean continueMatching() {
        return continueMatching;
    }

    @Override
    public String toString() {
        return "Route[" + name + " " + matcher + " -> " + sinks + " groupBy=" + groupBy + "]";
    }

    /**
     * Builds a {@link Route}. Defaults follow Alertmanager: group_wait 30 s, group_interval 5 min,
     * repeat_interval 4 h, send_resolved true, group by alertname. Not thread-safe.
     */
    public static final class Builder {
        private String name = "route";
        private Matcher matcher = Matcher.ANY;
        private final List<String> sinks;
        private List<String> groupBy = List.of(Alert.ALERTNAME);
        private Duration groupWait = Duration.ofSeconds(30);
        private Duration groupInterval = Duration.ofMinutes(5);
        private Duration repeatInterval = Duration.ofHours(4);
        private boolean sendResolved = true;
        private boolean continueMatching;

        private Builder(List<String> sinks) {
            this.sinks = sinks;
        }

        /** A name for logs and the group key. */
        public Builder name(String name) {
            this.name = Objects.requireNonNull(name, "route.name");
            return this;
        }

        /** Which alerts the route takes; default {@link Matcher#ANY}. */
        public Builder match(Matcher matcher) {
            this.matcher = Objects.requireNonNull(matcher, "route.matcher");
            return this;
        }

        /** Labels to group by; none = one group; {@link Route#ALL_LABELS} = no grouping. */
        public Builder groupBy(String... labels) {
            this.groupBy = List.of(labels);
            return this;
        }

        /** Wait before a new group's first notification (>= 0). */
        public Builder groupWait(Duration d) {
            this.groupWait = d;
            return this;
        }

        /** Wait between notifications about a group's changes (> 0). */
        public Builder groupInterval(Duration d) {
            this.groupInterval = d;
            return this;
        }

        /** Wait before re-sending an unchanged firing group (> 0). */
        public Builder repeatInterval(Duration d) {
            this.repeatInterval = d;
            return this;
        }

        /** Whether resolutions are notified; default true. */
        public Builder sendResolved(boolean b) {
            this.sendResolved = b;
            return this;
        }

        /** Keep matching later routes after this one matched. */
        public Builder continueMatching(boolean b) {
            this.continueMatching = b;
            return this;
        }

        /** Validates and builds; a wrong setting fails with a message naming the field. */
        public Route build() {
            if (sinks.isEmpty()) {
                throw new IllegalArgumentException("route '" + name + "': sinks must not be empty");
            }
            nonNegative("groupWait", groupWait);
            positive("groupInterval", groupInterval);
            positive("repeatInterval", repeatInterval);
            return new Route(this);
        }

        private void nonNegative(String field, Duration d) {
            if (d == null || d.isNegative()) {
                throw new IllegalArgumentException("route '" + name + "': " + field + " must be >= 0, was " + d);
            }
        }

        private void positive(String field, Duration d) {
            if (d == null || d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("route '" + name + "': " + field + " must be > 0, was " + d);
            }
        }
    }
}
