package io.migmon.alerting;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migmon.alerting.spi.DeliveryException;
import io.migmon.alerting.spi.Notification;
import io.migmon.core.Severity;
import io.migmon.core.metrics.Instrumentation;
import io.migmon.core.testing.MutableClock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class AlertDispatcherTest {

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

    private AlertDispatcher.Builder manual() {
        return AlertDispatcher.builder(registry).clock(clock).manualTick()
                .sink(sink, SinkOptions.DEFAULTS.withRetries(3, Duration.ofSeconds(1), Duration.ofSeconds(30), 0));
    }

    private Route.Builder route() {
        return Route.builder("rec").groupWait(Duration.ofSeconds(30)).groupInterval(Duration.ofMinutes(5))
                .repeatInterval(Duration.ofHours(1));
    }

    private void advanceAndTick(Duration d) {
        clock.advance(d);
        dispatcher.tick();
    }

    private double count(String name, String... tags) {
        var c = registry.find(name).tags(tags).counter();
        return c == null ? 0 : c.count();
    }

    @Test
    void groupWaitCollectsAlertsOfOneGroupIntoOneNotification() {
        dispatcher = manual().route(route().groupBy("alertname").build()).build();
        dispatcher.fire(alert("low_throughput", Severity.WARNING, "m1"));
        dispatcher.tick();
        advanceAndTick(Duration.ofSeconds(10));
        dispatcher.fire(alert("low_throughput", Severity.WARNING, "m2"));
        dispatcher.tick();
        assertThat(sink.received).as("nothing before group_wait").isEmpty();

        advanceAndTick(Duration.ofSeconds(20));
        List<Notification> got = sink.take();
        assertThat(got).hasSize(1);
        assertThat(got.get(0).alerts()).extracting(a -> a.label("migration_id")).containsExactlyInAnyOrder("m1", "m2");
        assertThat(got.get(0).groupLabels()).containsEntry("alertname", "low_throughput");
        assertThat(got.get(0).status()).isEqualTo("firing");
        assertThat(count("migmon.alerts.sent", "sink", "rec", "severity", "warning")).isEqualTo(2);
    }

    @Test
    void duplicatesAreNotRenotifiedButRepeatAfterRepeatInterval() {
        dispatcher = manual().route(route().build()).build();
        Alert a = alert("high_error_rate", Severity.CRITICAL, "m1");
        dispatcher.fire(a);
        advanceAndTick(Duration.ofSeconds(30));
        assertThat(sink.take()).hasSize(1);

        for (int i = 0; i < 11; i++) { // 55 minutes of evaluations: same fingerprint, no new notification
            dispatcher.fire(a);
            advanceAndTick(Duration.ofMinutes(5));
        }
        assertThat(sink.take()).isEmpty();
        advanceAndTick(Duration.ofMinutes(5)); // 60 min after the first: repeat
        List<Notification> repeat = sink.take();
        assertThat(repeat).hasSize(1);
        assertThat(repeat.get(0).repeat()).isTrue();
        assertThat(repeat.get(0).alerts().get(0).startsAt()).isEqualTo(MutableClock.epoch().instant());
    }

    @Test
    void newAlertInNotifiedGroupWaitsForGroupInterval() {
        dispatcher = manual().route(route().groupBy().build()).build();
        dispatcher.fire(alert("a", Severity.WARNING, "m1"));
        advanceAndTick(Duration.ofSeconds(30));
        assertThat(sink.take()).hasSize(1);
        advanceAndTick(Duration.ofMinutes(1));
        dispatcher.fire(alert("b", Severity.WARNING, "m1"));
        advanceAndTick(Duration.ofMinutes(1));
        assertThat(sink.take()).isEmpty();
        advanceAndTick(Duration.ofMinutes(3)); // group_interval (5 min) after the first notification
        List<Notification> got = sink.take();
        assertThat(got).hasSize(1);
        assertThat(got.get(0).alerts()).extracting(Alert::name).containsExactlyInAnyOrder("a", "b");
    }

    @Test
    void resolvedNotificationIsSentWhenEnabledAndNotWhenDisabled() {
        RecordingSink quiet = new RecordingSink("quiet");
        dispatcher = manual().sink(quiet)
                .route(route().name("loud").continueMatching(true).build())
                .route(Route.builder("quiet").groupWait(Duration.ZERO).groupInterval(Duration.ofMinutes(1))
                        .sendResolved(false).build())
                .build();
        Alert a = alert("high_error_rate", Severity.CRITICAL, "m1");
        dispatcher.fire(a);
        dispatcher.tick();
        assertThat(quiet.take()).hasSize(1);
        advanceAndTick(Duration.ofSeconds(30));
        assertThat(sink.take()).hasSize(1);

        dispatcher.resolve(a);
        advanceAndTick(Duration.ofMinutes(5));
        List<Notification> got = sink.take();
        assertThat(got).hasSize(1);
        assertThat(got.get(0).status()).isEqualTo("resolved");
        assertThat(got.get(0).alerts().get(0).endsAt()).isEqualTo(clock.instant().minus(Duration.ofMinutes(5)));
        assertThat(quiet.take()).isEmpty();
        assertThat(dispatcher.activeAlerts()).isEmpty();
        advanceAndTick(Duration.ofHours(2));
        assertThat(sink.take()).as("nothing repeats after resolution").isEmpty();
    }

    @Test
    void alertResolvedBeforeGroupWaitIsNeverNotified() {
        dispatcher = manual().route(route().build()).build();
        Alert a = alert("low_throughput", Severity.WARNING, "m1");
        dispatcher.fire(a);
        advanceAndTick(Duration.ofSeconds(10));
        dispatcher.resolve(a);
        advanceAndTick(Duration.ofMinutes(1));
        assertThat(sink.received).isEmpty();
    }

    @Test
    void alertResolvedBeforeGroupWaitPositiveControlTheSameSequenceWithoutTheResolveIsNotified() {
        dispatcher = manual().route(route().build()).build();
        Alert a = alert("low_throughput", Severity.WARNING, "m1");
        dispatcher.fire(a);
        advanceAndTick(Duration.ofSeconds(10));
        dispatcher.fire(a); // where the test above resolves
        advanceAndTick(Duration.ofMinutes(1));
        assertThat(sink.take()).singleElement().satisfies(n -> assertThat(n.firing()).extracting(Alert::name)
                .containsExactly("low_throughput"));
    }

    @Test
    void hysteresisNeedsNConsecutiveEvaluationsToFireAndMToResolve() {
        dispatcher = manual().hysteresis(Hysteresis.evaluations(3, 2))
                .route(route().groupWait(Duration.ZERO).build()).build();
        Alert a = alert("low_throughput", Severity.WARNING, "m1");
        // flapping: true, true, false, true, true -> never 3 in a row
        for (boolean b : new boolean[] {true, true, false, true, true}) {
            if (b) {
                dispatcher.fire(a);
            } else {
                dispatcher.resolve(a);
            }
            advanceAndTick(Duration.ofSeconds(10));
        }
        assertThat(sink.received).isEmpty();
        assertThat(dispatcher.pendingAlerts()).hasSize(1);
        dispatcher.fire(a);
        advanceAndTick(Duration.ofSeconds(10));
        assertThat(sink.take()).hasSize(1);
        // one clear evaluation is not enough to resolve
        dispatcher.resolve(a);
        dispatcher.fire(a);
        dispatcher.resolve(a);
        advanceAndTick(Duration.ofMinutes(10));
        assertThat(sink.take()).isEmpty();
        assertThat(dispatcher.activeAlerts()).hasSize(1);
        dispatcher.resolve(a);
        advanceAndTick(Duration.ofMinutes(10));
        assertThat(sink.take()).singleElement().satisfies(n -> assertThat(n.status()).isEqualTo("resolved"));
    }

    @Test
    void forDurationMustElapseBeforeFiring() {
        dispatcher = manual().hysteresis(Hysteresis.holdFor(Duration.ofMinutes(2), 1))
                .route(route().groupWait(Duration.ZERO).build()).build();
        Alert a = alert("low_throughput", Severity.WARNING, "m1");
        dispatcher.fire(a);
        advanceAndTick(Duration.ofSeconds(61));
        dispatcher.fire(a);
        advanceAndTick(Duration.ofSeconds(58));
        assertThat(sink.received).isEmpty();
        dispatcher.fire(a); // 119 s after the first true: still pending
        advanceAndTick(Duration.ofSeconds(1));
        assertThat(sink.received).isEmpty();
        dispatcher.fire(a); // 120 s
        dispatcher.tick();
        assertThat(sink.take()).singleElement()
                .satisfies(n -> assertThat(n.alerts().get(0).startsAt()).isEqualTo(MutableClock.epoch().instant()));
    }

    @Test
    void criticalInhibitsWarningsWithEqualLabels() {
        dispatcher = manual().inhibit(InhibitRule.criticalMutesWarnings("migration_id"))
                .route(route().groupBy("migration_id").build()).build();
        dispatcher.fire(alert("high_error_rate", Severity.CRITICAL, "m1"));
        dispatcher.fire(alert("low_throughput", Severity.WARNING, "m1"));
        dispatcher.fire(alert("low_throughput", Severity.WARNING, "m2"));
        advanceAndTick(Duration.ofSeconds(30));
        List<Notification> got = sink.take();
        assertThat(got).hasSize(2);
        Notification m1 = got.stream().filter(n -> n.groupLabels().get("migration_id").equals("m1")).findFirst().orElseThrow();
        assertThat(m1.alerts()).extracting(Alert::name).containsExactly("high_error_rate");
        Notification m2 = got.stream().filter(n -> n.groupLabels().get("migration_id").equals("m2")).findFirst().orElseThrow();
        assertThat(m2.alerts()).extracting(Alert::name).containsExactly("low_throughput");

        // the critical resolves: the warning for m1 is no longer muted and is notified
        dispatcher.resolve(alert("high_error_rate", Severity.CRITICAL, "m1"));
        advanceAndTick(Duration.ofMinutes(5));
        Notification after = sink.take().stream().filter(n -> n.groupLabels().get("migration_id").equals("m1"))
                .findFirst().orElseThrow();
        assertThat(after.firing()).extracting(Alert::name).containsExactly("low_throughput");
        assertThat(after.resolved()).extracting(Alert::name).containsExactly("high_error_rate");
    }

    @Test
    void silencesMuteUntilTheyExpire() {
        dispatcher = manual().route(route().groupWait(Duration.ZERO).groupInterval(Duration.ofMinutes(1)).build()).build();
        String id = dispatcher.silenceFor(Matcher.labels("migration_id", "m1"), Duration.ofMinutes(10), "maintenance");
        assertThat(dispatcher.silences()).hasSize(1);
        dispatcher.fire(alert("low_throughput", Severity.WARNING, "m1"));
        dispatcher.tick();
        advanceAndTick(Duration.ofMinutes(5));
        assertThat(sink.received).isEmpty();
        advanceAndTick(Duration.ofMinutes(5)); // silence ends at +10 min
        assertThat(sink.take()).hasSize(1);
        assertThat(dispatcher.silences()).isEmpty();
        assertThat(dispatcher.expireSilence(id)).isFalse();

        String id2 = dispatcher.silenceFor(Matcher.ANY, Duration.ofHours(1), "all");
        dispatcher.fire(alert("other", Severity.WARNING, "m3"));
        advanceAndTick(Duration.ofMinutes(1));
        assertThat(sink.received).isEmpty();
        assertThat(dispatcher.expireSilence(id2)).isTrue();
        advanceAndTick(Duration.ofMinutes(1));
        assertThat(sink.take()).hasSize(1);
    }

    @Test
    void routingFirstMatchWinsUnlessContinue() {
        RecordingSink pager = new RecordingSink("pager");
        RecordingSink chat = new RecordingSink("chat");
        dispatcher = AlertDispatcher.builder(registry).clock(clock).manualTick().sink(pager).sink(chat)
                .route(Route.builder("pager").match(Matcher.severityAtLeast(Severity.CRITICAL)).groupWait(Duration.ZERO)
                        .continueMatching(true).build())
                .route(Route.builder("chat").match(Matcher.severityAtLeast(Severity.WARNING)).groupWait(Duration.ZERO).build())
                .route(Route.builder("pager").groupWait(Duration.ZERO).build()) // never reached for warnings
                .build();
        dispatcher.fire(alert("high_error_rate", Severity.CRITICAL, "m1"));
        dispatcher.fire(alert("low_throughput", Severity.WARNING, "m1"));
        dispatcher.fire(alert("note", Severity.INFO, "m1"));
        dispatcher.tick();
        assertThat(pager.take()).flatExtracting(Notification::alerts).extracting(Alert::name)
                .containsExactlyInAnyOrder("high_error_rate", "note");
        assertThat(chat.take()).flatExtracting(Notification::alerts).extracting(Alert::name)
                .containsExactlyInAnyOrder("high_error_rate", "low_throughput");
    }

    @Test
    void retriesWithBackoffAndHonoursRetryAfter() {
        dispatcher = manual().route(route().groupWait(Duration.ZERO).build()).build();
        sink.failures.add(DeliveryException.retryAfter("HTTP 429", Duration.ofSeconds(20)));
        sink.failures.add(DeliveryException.retryable("HTTP 500"));
        dispatcher.fire(alert("high_error_rate", Severity.CRITICAL, "m1"));
        dispatcher.tick();
        assertThat(sink.calls).isEqualTo(1);
        advanceAndTick(Duration.ofSeconds(19));
        assertThat(sink.calls).as("Retry-After 20 s is honoured").isEqualTo(1);
        advanceAndTick(Duration.ofSeconds(1));
        assertThat(sink.calls).isEqualTo(2);
        advanceAndTick(Duration.ofMillis(1999)); // backoff after attempt 2: 1 s * 2
        assertThat(sink.calls).isEqualTo(2);
        advanceAndTick(Duration.ofMillis(1));
        assertThat(sink.calls).isEqualTo(3);
        assertThat(sink.take()).hasSize(1);
        assertThat(count("migmon.alerts.failed")).isZero();
    }

    @Test
    void permanentFailureIsCountedAndDoesNotAffectOtherSinks() {
        RecordingSink other = new RecordingSink("other");
        dispatcher = manual().sink(other).route(Route.builder("rec", "other").groupWait(Duration.ZERO).build()).build();
        sink.failures.add(DeliveryException.permanent("HTTP 403"));
        dispatcher.fire(alert("high_error_rate", Severity.CRITICAL, "m1"));
        dispatcher.tick();
        assertThat(other.take()).hasSize(1);
        assertThat(sink.calls).isEqualTo(1);
        assertThat(count("migmon.alerts.failed", "sink", "rec", "severity", "critical")).isEqualTo(1);
        assertThat(count("migmon.alerts.sent", "sink", "other", "severity", "critical")).isEqualTo(1);
    }

    @Test
    void fullQueueDropsLeastSevereFirstAndCounts() {
        dispatcher = manual().queueCapacity(2).route(route().groupWait(Duration.ZERO).build()).build();
        dispatcher.fire(alert("i", Severity.INFO, "m1"));
        dispatcher.fire(alert("w", Severity.WARNING, "m1"));
        dispatcher.fire(alert("c", Severity.CRITICAL, "m1")); // evicts the info
        dispatcher.fire(alert("i2", Severity.INFO, "m1")); // rejected: least severe
        assertThat(dispatcher.queueDepth()).isEqualTo(2);
        assertThat(registry.get("migmon.alerts.queue.depth").gauge().value()).isEqualTo(2);
        dispatcher.tick();
        assertThat(sink.take()).flatExtracting(Notification::alerts).extracting(Alert::name)
                .containsExactlyInAnyOrder("w", "c");
        assertThat(count("migmon.alerts.dropped", "severity", "info", "reason", "queue_full")).isEqualTo(2);
    }

    @Test
    void closeFlushesPendingGroupsAndReportsWhatFailed() {
        RecordingSink broken = new RecordingSink("broken");
        for (int i = 0; i < 5; i++) {
            broken.failures.add(DeliveryException.retryable("HTTP 503"));
        }
        dispatcher = manual().sink(broken).route(Route.builder("rec", "broken").build()).build();
        dispatcher.fire(alert("high_error_rate", Severity.CRITICAL, "m1"));
        dispatcher.tick(); // group_wait (30 s) not over
        ShutdownReport report = dispatcher.close(Duration.ofSeconds(1));
        assertThat(sink.take()).hasSize(1);
        assertThat(report.complete()).isFalse();
        assertThat(report.undelivered()).singleElement().satisfies(u -> {
            assertThat(u.sink()).isEqualTo("broken");
            assertThat(u.alertName()).isEqualTo("high_error_rate");
            assertThat(u.reason()).contains("HTTP 503");
        });
        assertThat(registry.find("migmon.alerts.sent").counters()).as("meters removed on close").isEmpty();
        dispatcher.fire(alert("late", Severity.CRITICAL, "m1")); // ignored, never throws
        assertThat(dispatcher.close(Duration.ZERO)).isSameAs(report);
    }

    @Test
    void builderFailsFastNamingTheField() {
        assertThatThrownBy(() -> AlertDispatcher.builder(registry).build()).hasMessageContaining("sinks");
        assertThatThrownBy(() -> AlertDispatcher.builder(registry).sink(sink).route(Route.builder("nope").build()).build())
                .hasMessageContaining("unknown sink 'nope'");
        assertThatThrownBy(() -> Route.builder("x").groupInterval(Duration.ZERO).build()).hasMessageContaining("groupInterval");
        assertThatThrownBy(() -> new Hysteresis(0, Duration.ZERO, 1)).hasMessageContaining("fireAfter");
        assertThatThrownBy(() -> Alert.builder("a", Severity.INFO).label("bad-name", "x")).hasMessageContaining("bad-name");
        assertThatThrownBy(() -> AlertDispatcher.builder(registry).sink(sink).sink(new RecordingSink("rec")))
                .hasMessageContaining("used twice");
    }

    @Test
    void builderTakesCoreInstrumentationAndRequiresARegistry() {
        SimpleMeterRegistry other = new SimpleMeterRegistry();
        dispatcher = AlertDispatcher.builder().instrumentation(Instrumentation.of(other).withClock(clock)).manualTick()
                .sink(sink).route(route().groupWait(Duration.ofSeconds(30)).build()).build();
        dispatcher.fire(alert("high_error_rate", Severity.CRITICAL, "m1"));
        dispatcher.tick();
        assertThat(sink.received).isEmpty();
        clock.advance(Duration.ofSeconds(30)); // the instrumentation's clock drives group wait
        dispatcher.tick();
        assertThat(sink.take()).hasSize(1);
        assertThat(other.get("migmon.alerts.sent").counter().count()).isEqualTo(1);
        assertThat(registry.find("migmon.alerts.sent").counters()).isEmpty();

        assertThatThrownBy(() -> AlertDispatcher.builder().sink(sink).build())
                .isInstanceOf(IllegalStateException.class).hasMessageStartingWith("meterRegistry must be set");
        assertThatThrownBy(() -> AlertDispatcher.builder().instrumentation(null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("instrumentation");
        assertThatThrownBy(() -> AlertDispatcher.builder("bad name")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("name");
        try (AlertDispatcher named = AlertDispatcher.builder("orders").meterRegistry(new SimpleMeterRegistry())
                .sink(new RecordingSink("x")).build()) {
            assertThat(named.name()).isEqualTo("orders");
            assertThat(Thread.getAllStackTraces().keySet()).extracting(Thread::getName)
                    .contains("migmon-alert-dispatcher-orders");
        }
    }

    @Test
    void fingerprintDependsOnIdentityLabelsOnly() {
        Alert a = Alert.builder("x", Severity.WARNING).label("b", "2").label("a", "1").annotation("value", "1").build();
        Alert b = Alert.builder("x", Severity.WARNING).label("a", "1").label("b", "2").summary("other").build();
        assertThat(a.fingerprint()).isEqualTo(b.fingerprint()).hasSize(16);
        assertThat(Alert.builder("x", Severity.CRITICAL).label("a", "1").label("b", "2").build().fingerprint())
                .isNotEqualTo(a.fingerprint());
    }
}
