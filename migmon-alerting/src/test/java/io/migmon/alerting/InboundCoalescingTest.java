package io.migmon.alerting;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migmon.alerting.spi.Notification;
import io.migmon.core.Severity;
import io.migmon.core.testing.MutableClock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The inbound queue merges evaluations of one alert and never loses a resolve to fires. */
class InboundCoalescingTest {

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

    private static Alert alert(String name, Severity s, String migration) {
        return Alert.builder(name, s).label("migration_id", migration).summary(name + " on " + migration).build();
    }

    private AlertDispatcher.Builder manual(int capacity) {
        return AlertDispatcher.builder(registry).clock(clock).manualTick().queueCapacity(capacity).sink(sink)
                .route(Route.builder("rec").groupBy(Route.ALL_LABELS).groupWait(Duration.ZERO)
                        .groupInterval(Duration.ofSeconds(1)).repeatInterval(Duration.ofHours(1)).build());
    }

    private double dropped() {
        return registry.find("migmon.alerts.dropped").counters().stream().mapToDouble(c -> c.count()).sum();
    }

    private double dropped(Severity s) {
        var c = registry.find("migmon.alerts.dropped").tags("severity", s.tagValue(), "reason", "queue_full").counter();
        return c == null ? 0 : c.count();
    }

    private void advanceAndTick(Duration d) {
        clock.advance(d);
        dispatcher.tick();
    }

    private List<Alert> delivered() {
        return sink.take().stream().flatMap(n -> n.alerts().stream()).toList();
    }

    @Test
    void floodOfOneAlertTakesOneSlotAndDropsNothing() {
        dispatcher = manual(10).build();
        Alert flood = alert("replication_lag_high", Severity.INFO, "m1");
        for (int i = 0; i < 100_000; i++) { // 10,000x the capacity, least severe
            dispatcher.fire(flood.toBuilder().annotation("value", Integer.toString(i)).build());
        }
        assertThat(dispatcher.queueDepth()).isEqualTo(1);
        for (int i = 0; i < 9; i++) { // the other nine slots are still free
            dispatcher.fire(alert("other", Severity.INFO, "m" + (i + 2)));
        }
        assertThat(dispatcher.queueDepth()).isEqualTo(10);
        dispatcher.tick();
        List<Alert> got = delivered();
        assertThat(got).hasSize(10);
        assertThat(got).filteredOn(a -> a.name().equals("replication_lag_high")).singleElement()
                .satisfies(a -> assertThat(a.annotations()).as("latest annotations win").containsEntry("value", "99999"));
        assertThat(dropped()).isZero();
    }

    @Test
    void resolveIntoFullQueueOfOtherAlertsFiresIsDelivered() {
        dispatcher = manual(3).build();
        Alert a = alert("low_throughput", Severity.INFO, "m1");
        dispatcher.fire(a);
        dispatcher.tick();
        assertThat(delivered()).extracting(Alert::resolved).containsExactly(false);

        for (int i = 0; i < 3; i++) { // the queue is full of more severe fires of other alerts
            dispatcher.fire(alert("high_error_rate", Severity.CRITICAL, "m" + (i + 2)));
        }
        dispatcher.resolve(a); // evicts the oldest critical fire: a lost fire is re-reported, a lost resolve is not
        assertThat(dispatcher.queueDepth()).isEqualTo(3);
        assertThat(dropped(Severity.CRITICAL)).isEqualTo(1);
        assertThat(dropped(Severity.INFO)).isZero();
        advanceAndTick(Duration.ofSeconds(1));
        List<Alert> got = delivered();
        assertThat(got).filteredOn(Alert::resolved).singleElement().satisfies(r -> {
            assertThat(r.fingerprint()).isEqualTo(a.fingerprint());
            assertThat(r.endsAt()).isEqualTo(clock.instant().minusSeconds(1));
        });
        assertThat(got).filteredOn(x -> !x.resolved()).extracting(x -> x.label("migration_id"))
                .containsExactlyInAnyOrder("m3", "m4");
        assertThat(dispatcher.activeAlerts()).extracting(x -> x.label("migration_id")).containsExactlyInAnyOrder("m3", "m4");
    }

    @Test
    void resolveReplacesTheQueuedFireOfItsAlertWithoutDropping() {
        dispatcher = manual(2).build();
        Alert a = alert("low_throughput", Severity.WARNING, "m1");
        dispatcher.fire(a);
        dispatcher.tick();
        delivered();
        dispatcher.fire(a);
        dispatcher.fire(alert("high_error_rate", Severity.CRITICAL, "m2")); // full
        dispatcher.resolve(a);
        assertThat(dispatcher.queueDepth()).isEqualTo(2);
        assertThat(dropped()).isZero();
        advanceAndTick(Duration.ofSeconds(1));
        assertThat(delivered()).filteredOn(Alert::resolved).extracting(Alert::fingerprint).containsExactly(a.fingerprint());
        assertThat(dispatcher.activeAlerts()).extracting(Alert::name).containsExactly("high_error_rate");
    }

    @Test
    void aFireNeverEvictsAQueuedResolve() {
        dispatcher = manual(1).build();
        Alert a = alert("low_throughput", Severity.INFO, "m1");
        dispatcher.fire(a);
        dispatcher.tick();
        delivered();
        dispatcher.resolve(a);
        dispatcher.fire(alert("high_error_rate", Severity.CRITICAL, "m2")); // rejected: only a resolve is queued
        assertThat(dropped(Severity.CRITICAL)).isEqualTo(1);
        advanceAndTick(Duration.ofSeconds(1));
        assertThat(delivered()).singleElement().satisfies(r -> assertThat(r.resolved()).isTrue());
    }

    @Test
    void aResolveIsDroppedOnlyWhenTheQueueHoldsNothingButResolves() {
        dispatcher = manual(2).build();
        Alert[] as = {alert("x", Severity.WARNING, "m1"), alert("x", Severity.WARNING, "m2"),
            alert("x", Severity.WARNING, "m3")};
        for (Alert a : as) {
            dispatcher.fire(a);
            dispatcher.tick();
        }
        assertThat(dispatcher.activeAlerts()).hasSize(3);
        for (Alert a : as) {
            dispatcher.resolve(a); // the third finds two resolves queued: the documented bound
        }
        assertThat(dropped(Severity.WARNING)).isEqualTo(1);
        advanceAndTick(Duration.ofSeconds(1));
        assertThat(dispatcher.activeAlerts()).extracting(a -> a.label("migration_id")).containsExactly("m3");
        dispatcher.resolve(as[2]); // the next evaluation resolves it
        advanceAndTick(Duration.ofSeconds(1));
        assertThat(dispatcher.activeAlerts()).isEmpty();
    }

    @Test
    void hysteresisCountsEveryMergedEvaluation() {
        dispatcher = manual(10).hysteresis(Hysteresis.evaluations(3, 2)).build();
        Alert a = alert("low_throughput", Severity.WARNING, "m1");
        dispatcher.fire(a);
        dispatcher.fire(a);
        dispatcher.tick();
        assertThat(dispatcher.pendingAlerts()).hasSize(1);
        assertThat(sink.received).isEmpty();
        dispatcher.fire(a);
        dispatcher.fire(a);
        dispatcher.fire(a); // 2 + 3 consecutive true evaluations, one queue slot
        dispatcher.tick();
        assertThat(delivered()).singleElement().satisfies(x -> assertThat(x.startsAt()).isEqualTo(clock.instant()));

        dispatcher.resolve(a);
        dispatcher.tick();
        assertThat(dispatcher.activeAlerts()).as("one false evaluation of two").hasSize(1);
        dispatcher.resolve(a);
        dispatcher.resolve(a); // merged: the second and third false evaluations
        advanceAndTick(Duration.ofSeconds(1));
        assertThat(delivered()).singleElement().satisfies(x -> assertThat(x.resolved()).isTrue());
    }

    @Test
    void anOppositeEvaluationInTheSameTickStillResetsTheCount() {
        dispatcher = manual(10).hysteresis(Hysteresis.evaluations(3, 2)).build();
        Alert a = alert("low_throughput", Severity.WARNING, "m1");
        dispatcher.fire(a);
        dispatcher.fire(a);
        dispatcher.tick();
        assertThat(dispatcher.pendingAlerts()).hasSize(1); // two true evaluations
        dispatcher.resolve(a);
        dispatcher.fire(a); // false then true in one tick: the pending count restarts at one
        dispatcher.tick();
        dispatcher.fire(a);
        dispatcher.tick();
        assertThat(sink.received).as("1 + 1 consecutive, not 2 + 1 + 1").isEmpty();
        dispatcher.fire(a);
        dispatcher.tick();
        assertThat(delivered()).hasSize(1);

        // flapping within one tick: true, true, false, true, true -> never 3 in a row
        Alert b = alert("low_throughput", Severity.WARNING, "m2");
        for (boolean t : new boolean[] {true, true, false, true, true}) {
            if (t) {
                dispatcher.fire(b);
            } else {
                dispatcher.resolve(b);
            }
        }
        dispatcher.tick();
        assertThat(sink.received).isEmpty();
        assertThat(dispatcher.pendingAlerts()).extracting(x -> x.label("migration_id")).containsExactly("m2");

        // active alert: false, true, false in one tick is one false evaluation, not two
        dispatcher.resolve(a);
        dispatcher.fire(a);
        dispatcher.resolve(a);
        advanceAndTick(Duration.ofSeconds(1));
        assertThat(dispatcher.activeAlerts()).extracting(x -> x.label("migration_id")).containsExactly("m1");
        assertThat(sink.received).isEmpty();
    }

    @Test
    void mergedResolvesEndTheAlertAtTheEvaluationThatResolvedIt() {
        dispatcher = manual(10).build();
        Alert a = alert("low_throughput", Severity.WARNING, "m1");
        dispatcher.fire(a);
        dispatcher.tick();
        delivered();
        clock.advance(Duration.ofSeconds(1));
        dispatcher.resolve(a); // resolves it (Hysteresis.NONE)
        clock.advance(Duration.ofSeconds(4));
        dispatcher.resolve(a); // merged, changes nothing
        dispatcher.tick();
        assertThat(delivered()).singleElement()
                .satisfies(x -> assertThat(x.endsAt()).isEqualTo(MutableClock.epoch().instant().plusSeconds(1)));
    }

    @Test
    void forDurationCountsFromTheFirstMergedEvaluation() {
        dispatcher = manual(10).hysteresis(Hysteresis.holdFor(Duration.ofMinutes(2), 1)).build();
        Alert a = alert("low_throughput", Severity.WARNING, "m1");
        dispatcher.fire(a);
        clock.advance(Duration.ofSeconds(119));
        dispatcher.fire(a);
        dispatcher.tick();
        assertThat(sink.received).isEmpty();
        clock.advance(Duration.ofSeconds(1));
        dispatcher.fire(a);
        dispatcher.tick();
        assertThat(delivered()).singleElement()
                .satisfies(x -> assertThat(x.startsAt()).isEqualTo(MutableClock.epoch().instant()));
    }

    @Test
    void repeatedFireIsOneEntryAndTheMostSevereIsEvaluatedFirst() {
        dispatcher = manual(4).build();
        dispatcher.fire(alert("i", Severity.INFO, "m1"));
        dispatcher.fire(alert("c", Severity.CRITICAL, "m1"));
        dispatcher.fire(alert("i", Severity.INFO, "m1"));
        dispatcher.tick();
        assertThat(sink.take()).flatExtracting(Notification::alerts).extracting(Alert::name).containsExactly("c", "i");
    }
}
