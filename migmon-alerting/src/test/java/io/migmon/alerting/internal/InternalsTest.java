package io.migmon.alerting.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.migmon.alerting.Alert;
import io.migmon.alerting.SinkOptions;
import io.migmon.core.Severity;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class InternalsTest {

    @Test
    void retryAfterParsesSecondsAndHttpDates() {
        assertThat(HttpDelivery.retryAfter(Optional.of("7"))).isEqualTo(Duration.ofSeconds(7));
        assertThat(HttpDelivery.retryAfter(Optional.of("-1"))).isNull();
        assertThat(HttpDelivery.retryAfter(Optional.of("soon"))).isNull();
        assertThat(HttpDelivery.retryAfter(Optional.empty())).isNull();
        String in30 = ZonedDateTime.now().plusSeconds(30).format(DateTimeFormatter.RFC_1123_DATE_TIME);
        assertThat(HttpDelivery.retryAfter(Optional.of(in30))).isBetween(Duration.ofSeconds(25), Duration.ofSeconds(31));
        String past = ZonedDateTime.now().minusSeconds(30).format(DateTimeFormatter.RFC_1123_DATE_TIME);
        assertThat(HttpDelivery.retryAfter(Optional.of(past))).isEqualTo(Duration.ZERO);
    }

    @Test
    void redactorHidesSecretsAndUrlPaths() {
        Redactor r = Redactor.of("supersecret", null, "ab");
        assertThat(r.redact("key=supersecret; ab stays")).isEqualTo("key=***; ab stays");
        assertThat(Redactor.url(URI.create("https://hooks.slack.com/services/T/B/x"))).isEqualTo("https://hooks.slack.com/***");
        assertThat(Redactor.url(URI.create("http://user:pw@am:9093"))).isEqualTo("http://am:9093/***");
        assertThat(Redactor.url(URI.create("http://am:9093"))).isEqualTo("http://am:9093");
    }

    @Test
    void backoffDoublesWithJitterAndIsCapped() {
        SinkOptions o = SinkOptions.DEFAULTS.withRetries(10, Duration.ofSeconds(1), Duration.ofSeconds(10), 0.5);
        assertThat(o.backoff(1, 0.5)).isEqualTo(Duration.ofSeconds(1));
        assertThat(o.backoff(2, 0.5)).isEqualTo(Duration.ofSeconds(2));
        assertThat(o.backoff(3, 0.5)).isEqualTo(Duration.ofSeconds(4));
        assertThat(o.backoff(3, 0.0)).isEqualTo(Duration.ofSeconds(2));
        assertThat(o.backoff(3, 1.0)).isEqualTo(Duration.ofSeconds(6));
        assertThat(o.backoff(8, 0.5)).isEqualTo(Duration.ofSeconds(10));
    }

    @Test
    void signalQueueMergesRunsOfOneAlertAndRestartsOnAFlip() {
        SignalQueue q = new SignalQueue(4);
        Alert a = Alert.builder("a", Severity.WARNING).annotation("v", "1").build();
        Alert b = Alert.builder("b", Severity.WARNING).build();
        Instant t0 = Instant.EPOCH;
        assertThat(q.offer(a, true, t0)).isNull();
        assertThat(q.offer(b, false, t0.plusSeconds(1))).isNull();
        assertThat(q.offer(a.toBuilder().annotation("v", "2").build(), true, t0.plusSeconds(2))).isNull();
        assertThat(q.offer(a, true, t0.plusSeconds(3))).isNull();
        assertThat(q.size()).isEqualTo(2);
        List<Signal> s = q.drain();
        assertThat(s).hasSize(2);
        assertThat(s.get(0)).isEqualTo(new Signal(a, true, t0, t0.plusSeconds(3), 3, false));
        assertThat(s.get(0).alert().annotations()).containsEntry("v", "1");
        assertThat(s.get(1)).isEqualTo(new Signal(b, false, t0.plusSeconds(1)));

        q.offer(a, true, t0);
        q.offer(b, true, t0);
        q.offer(a, false, t0.plusSeconds(5)); // flip: latest state wins, queued after b now
        q.offer(a, false, t0.plusSeconds(6));
        assertThat(q.drain()).containsExactly(new Signal(b, true, t0),
                new Signal(a, false, t0.plusSeconds(5), t0.plusSeconds(6), 2, true));
        assertThat(q.size()).isZero();
    }
}
