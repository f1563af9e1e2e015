package io.migmon.alerting;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migmon.alerting.spi.DeliveryException;
import io.migmon.alerting.spi.Notification;
import io.migmon.core.Severity;
import io.migmon.core.testing.MutableClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The notified state is recorded on delivery, not on queueing: receiver outages across fires and resolves, sink
 * queues holding the latest state per group, a burst of more groups than a sink queue holds. Manual tick with a
 * {@link MutableClock}; the ground truth is what the recording sink received.
 */
class DeliveryStateTest {

    private final MutableClock clock = MutableClock.epoch();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final RecordingSink sink = new RecordingSink("rec");
    private AlertDispatcher dispatcher;

    @AfterEach
    void close() {
        if (dispatcher != null) {
            dispatcher.close(Duration.ZERO);
        }
    }

    private static Alert alert(String name, String table) {
        return Alert.builder(name, Severity.CRITICAL).label("migration_id", "m1").label("table_name", table).build();
    }

    private AlertDispatcher.Builder manual(SinkOptions options) {
        return AlertDispatcher.builder(registry).clock(clock).manualTick().sink(sink, options);
    }

    private static SinkOptions retries() {
        return SinkOptions.DEFAULTS.withRetries(5, Duration.ofSeconds(1), Duration.ofSeconds(8), 0);
    }

    private void run(Duration total, Duration step) {
        for (Duration t = Duration.ZERO; t.compareTo(total) < 0; t = t.plus(step)) {
            clock.advance(step);
            dispatcher.tick();
        }
    }

    /** (alert name, status) -> how many times a notification carried it. */
    private static Map<String, Integer> deliveries(List<Notification> ns) {
        Map<String, Integer> m = new HashMap<>();
        for (Notification n : ns) {
            for (Alert a : n.alerts()) {
                m.merge(a.name() + ":" + (a.resolved() ? "resolved" : "firing"), 1, Integer::sum);
            }
        }
        return m;
    }

    private double count(String name, String... tags) {
        var c = registry.find(name).tags(tags).counter();
        return c == null ? 0 : c.count();
    }

    @Test
    void fireAndResolveAcrossA30SecondOutageAreEachDeliveredOnceAfterRecovery() {
        dispatcher = manual(retries()).route(Route.builder("rec").groupBy("migration_id").groupWait(Duration.ZERO)
                .groupInterval(Duration.ofSeconds(5)).repeatInterval(Duration.ofHours(4)).build()).build();
        Alert x = alert("x", "orders");
        Alert y = alert("y", "items");
        dispatcher.fire(x);
        run(Duration.ofSeconds(8), Duration.ofMillis(500));
        assertThat(deliveries(sink.take())).isEqualTo(Map.of("x:firing", 1));

        sink.down = true; // t = 8 s .. 38 s: every call answers 503
        run(Duration.ofSeconds(2), Duration.ofMillis(500));
        dispatcher.fire(y); // t = 10 s
        run(Duration.ofSeconds(2), Duration.ofMillis(500));
        dispatcher.resolve(x); // t = 12 s
        run(Duration.ofSeconds(26), Duration.ofMillis(500));
        int callsDuringOutage = sink.calls;
        assertThat(sink.received).isEmpty();
        assertThat(count("migmon.alerts.failed", "sink", "rec")).as("5 attempts failed: counted once").isEqualTo(2);

        sink.down = false; // t = 38 s
        run(Duration.ofSeconds(60), Duration.ofMillis(500));
        List<Notification> after = sink.take();
        assertThat(deliveries(after)).isEqualTo(Map.of("y:firing", 1, "x:resolved", 1));
        assertThat(after).hasSize(1);
        assertThat(after.get(0).resolved().get(0).endsAt()).isEqualTo(MutableClock.epoch().instant().plusSeconds(12));
        assertThat(sink.calls - callsDuringOutage).as("one call after recovery").isEqualTo(1);

        dispatcher.resolve(y);
        run(Duration.ofSeconds(30), Duration.ofMillis(500));
        assertThat(deliveries(sink.take())).isEqualTo(Map.of("y:resolved", 1));
        assertThat(dispatcher.close(Duration.ZERO).complete()).isTrue();
    }

    @Test
    void repeatsDoNotPileUpDuringAnOutage() {
        dispatcher = manual(retries()).route(Route.builder("rec").groupWait(Duration.ZERO)
                .groupInterval(Duration.ofSeconds(1)).repeatInterval(Duration.ofSeconds(2)).build()).build();
        dispatcher.fire(alert("x", "orders"));
        dispatcher.tick();
        assertThat(sink.take()).hasSize(1);
        sink.down = true;
        run(Duration.ofSeconds(120), Duration.ofMillis(500)); // 60 repeat intervals
        sink.down = false;
        run(Duration.ofSeconds(1), Duration.ofMillis(500));
        assertThat(sink.take()).as("one repeat after the outage, not one per missed interval").hasSize(1);
    }

    @Test
    void alertFiredAndResolvedWhileTheReceiverIsDownIsNotSentAfterwards() {
        dispatcher = manual(retries()).route(Route.builder("rec").groupWait(Duration.ZERO)
                .groupInterval(Duration.ofSeconds(5)).build()).build();
        sink.down = true;
        Alert x = alert("x", "orders");
        dispatcher.fire(x);
        run(Duration.ofSeconds(10), Duration.ofMillis(500));
        dispatcher.resolve(x);
        run(Duration.ofSeconds(10), Duration.ofMillis(500));
        sink.down = false;
        run(Duration.ofSeconds(60), Duration.ofMillis(500));
        assertThat(sink.received).as("superseded: the receiver never heard it firing (as Alertmanager)").isEmpty();
    }

    @Test
    void everyGroupOfA10000TableBurstEndsWithItsFinalStateDelivered() {
        int tables = 10_000;
        dispatcher = manual(retries().withQueueCapacity(1_000)).queueCapacity(2 * tables)
                .route(Route.builder("rec").groupBy("table_name").groupWait(Duration.ZERO)
                        .groupInterval(Duration.ofSeconds(10)).build()).build();
        for (int i = 0; i < tables; i++) {
            dispatcher.fire(alert("lag", "t" + i));
        }
        dispatcher.tick();
        clock.advance(Duration.ofSeconds(3));
        for (int i = 0; i < tables; i += 2) { // every other table resolves before most groups were delivered
            dispatcher.resolve(alert("lag", "t" + i));
        }
        run(Duration.ofSeconds(200), Duration.ofSeconds(1));
        assertThat(count("migmon.alerts.dropped", "reason", "sink_queue_full"))
                .as("the sink queue (1,000) overflowed").isPositive();

        Map<String, String> last = new HashMap<>();
        Map<String, Integer> firings = new HashMap<>();
        for (Notification n : sink.received) {
            for (Alert a : n.alerts()) {
                last.put(a.label("table_name"), a.resolved() ? "resolved" : "firing");
                if (!a.resolved()) {
                    firings.merge(a.label("table_name"), 1, Integer::sum);
                }
            }
        }
        List<String> wrong = new ArrayList<>();
        for (int i = 0; i < tables; i++) {
            String t = "t" + i;
            String expected = i % 2 == 0 ? (firings.containsKey(t) ? "resolved" : null) : "firing";
            if (i % 2 == 1 && !"firing".equals(last.get(t)) || i % 2 == 0 && !java.util.Objects.equals(expected, last.get(t))) {
                wrong.add(t + "=" + last.get(t));
            }
        }
        assertThat(wrong).as("groups whose final state did not arrive").isEmpty();
        assertThat(firings.values()).as("no firing delivered twice").allMatch(c -> c == 1);
        assertThat(dispatcher.queueDepth()).isZero();
    }

    @Test
    void withTheDefaultSinkQueueA10000TableBurstIsDeliveredInOneFlushWithoutDrops() {
        int tables = 10_000;
        dispatcher = AlertDispatcher.builder(registry).clock(clock).manualTick().sink(sink).queueCapacity(tables)
                .route(Route.builder("rec").groupBy("table_name").groupWait(Duration.ZERO).build()).build();
        for (int i = 0; i < tables; i++) {
            dispatcher.fire(alert("lag", "t" + i));
        }
        dispatcher.tick();
        assertThat(sink.received).hasSize(tables);
        assertThat(count("migmon.alerts.dropped", "reason", "sink_queue_full")).isZero();
    }

    /** Documented difference 2 from Alertmanager (docs/alerting.md), with its positive control. */
    @Test
    void anAlertThatFiresAndResolvesBetweenTwoFlushesOfANotifiedGroupIsNotSent() {
        dispatcher = manual(retries()).route(Route.builder("rec").groupBy("migration_id").groupWait(Duration.ofSeconds(30))
                .groupInterval(Duration.ofMinutes(5)).repeatInterval(Duration.ofHours(4)).build()).build();
        dispatcher.fire(alert("a", "orders"));
        run(Duration.ofSeconds(30), Duration.ofSeconds(5));
        assertThat(deliveries(sink.take())).isEqualTo(Map.of("a:firing", 1));
        run(Duration.ofMinutes(1), Duration.ofSeconds(5));
        dispatcher.fire(alert("b", "items"));
        run(Duration.ofMinutes(1), Duration.ofSeconds(5));
        dispatcher.resolve(alert("b", "items"));
        run(Duration.ofMinutes(10), Duration.ofSeconds(5));
        assertThat(sink.received).as("Alertmanager would send b as resolved; migmon sends nothing").isEmpty();

        // positive control: the same sequence without the resolve is notified at the next flush
        dispatcher.fire(alert("c", "lines"));
        run(Duration.ofMinutes(5), Duration.ofSeconds(5));
        assertThat(deliveries(sink.take())).isEqualTo(Map.of("a:firing", 1, "c:firing", 1));
    }

    @Test
    void aPermanentRejectionIsNotResentAtEveryGroupInterval() {
        dispatcher = manual(retries()).route(Route.builder("rec").groupWait(Duration.ZERO)
                .groupInterval(Duration.ofSeconds(5)).build()).build();
        sink.failures.add(DeliveryException.permanent("HTTP 400"));
        dispatcher.fire(alert("x", "orders"));
        run(Duration.ofMinutes(2), Duration.ofSeconds(1));
        assertThat(sink.calls).isEqualTo(1);
        assertThat(count("migmon.alerts.failed", "sink", "rec")).isEqualTo(1);
        dispatcher.resolve(alert("x", "orders"));
        run(Duration.ofSeconds(10), Duration.ofSeconds(1));
        assertThat(deliveries(sink.take())).isEqualTo(Map.of("x:resolved", 1));
    }

    @Test
    void anErrorThrownByASinkDoesNotEscapeTick() {
        dispatcher = manual(retries()).route(Route.builder("rec").groupWait(Duration.ZERO).build()).build();
        sink.throwing = new AssertionError("sink bug");
        dispatcher.fire(alert("x", "orders"));
        dispatcher.tick(); // must not throw
        assertThat(sink.calls).isEqualTo(1);
        sink.throwing = new StackOverflowError();
        run(Duration.ofSeconds(2), Duration.ofSeconds(1));
        sink.throwing = null;
        run(Duration.ofSeconds(10), Duration.ofSeconds(1));
        assertThat(deliveries(sink.take())).isEqualTo(Map.of("x:firing", 1));
    }
}
