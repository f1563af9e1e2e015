package io.migmon.core.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class RequireTest {

    @Test
    void validValuesAreReturnedUnchanged() {
        Duration d = Duration.ofSeconds(2);
        assertThat(Require.positive(d, "f")).isSameAs(d);
        assertThat(Require.nonNegative(Duration.ZERO, "f")).isEqualTo(Duration.ZERO);
        assertThat(Require.atLeast(d, Duration.ofSeconds(2), "f")).isSameAs(d);
        assertThat(Require.notBlank("x", "f")).isEqualTo("x");
        assertThat(Require.notNull(d, "f")).isSameAs(d);
        assertThat(Require.matches("ab-1", Pattern.compile("[a-z0-9-]+"), "f")).isEqualTo("ab-1");
        assertThat(Require.positive(3L, "f")).isEqualTo(3L);
        assertThat(Require.positive(0.5, "f")).isEqualTo(0.5);
        assertThat(Require.nonNegative(0L, "f")).isZero();
        assertThat(Require.nonNegative(0.0, "f")).isZero();
        assertThat(Require.atLeast(3, 3, "f")).isEqualTo(3);
        assertThat(Require.atLeast(3L, 3L, "f")).isEqualTo(3L);
        assertThat(Require.between(1.0, 0, 1, "f")).isEqualTo(1.0);
        assertThat(Require.strictlyBetween(0.5, 0, 1, "f")).isEqualTo(0.5);
        assertThat(Require.httpUrl(" https://hooks.example.com/x ", "f").getHost()).isEqualTo("hooks.example.com");
        assertThat(Require.configured("v", "setter", "")).isEqualTo("v");
    }

    @Test
    void messagesStartWithTheFieldAndShowTheBadValue() {
        assertThatThrownBy(() -> Require.positive(Duration.ZERO, "pollTimeout"))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("pollTimeout must be a positive duration, was PT0S");
        assertThatThrownBy(() -> Require.positive((Duration) null, "pollTimeout"))
                .hasMessage("pollTimeout must be a positive duration, was null");
        assertThatThrownBy(() -> Require.nonNegative(Duration.ofSeconds(-1), "spacing"))
                .hasMessage("spacing must be zero or positive, was PT-1S");
        assertThatThrownBy(() -> Require.atLeast(Duration.ZERO, Duration.ofMillis(1), "tick"))
                .hasMessage("tick must be at least PT0.001S, was PT0S");
        assertThatThrownBy(() -> Require.notBlank(" ", "name")).hasMessage("name must not be blank, was ' '");
        assertThatThrownBy(() -> Require.notBlank(null, "name")).hasMessage("name must not be blank, was null");
        assertThatThrownBy(() -> Require.notNull(null, "clock")).hasMessage("clock must not be null");
        assertThatThrownBy(() -> Require.matches("a b", Pattern.compile("[a-z]+"), "sinkName"))
                .hasMessage("sinkName must match [a-z]+, was 'a b'");
        assertThatThrownBy(() -> Require.positive(0L, "maxPollRecords")).hasMessage("maxPollRecords must be > 0, was 0");
        assertThatThrownBy(() -> Require.positive(Double.NaN, "rate"))
                .hasMessage("rate must be a positive finite number, was NaN");
        assertThatThrownBy(() -> Require.positive(Double.POSITIVE_INFINITY, "rate")).hasMessageStartingWith("rate ");
        assertThatThrownBy(() -> Require.nonNegative(-1L, "rows")).hasMessage("rows must be >= 0, was -1");
        assertThatThrownBy(() -> Require.nonNegative(-0.5, "sigmas")).hasMessage("sigmas must be a finite number >= 0, was -0.5");
        assertThatThrownBy(() -> Require.atLeast(0, 1, "window")).hasMessage("window must be >= 1, was 0");
        assertThatThrownBy(() -> Require.atLeast(0L, 1L, "minEvents")).hasMessage("minEvents must be >= 1, was 0");
        assertThatThrownBy(() -> Require.between(1.5, 0, 1, "limit")).hasMessage("limit must be in [0.0, 1.0], was 1.5");
        assertThatThrownBy(() -> Require.strictlyBetween(1.0, 0, 1, "alpha")).hasMessage("alpha must be in (0.0, 1.0), was 1.0");
        assertThatThrownBy(() -> Require.argument(false, "minPoints (5) must not exceed window (3)"))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("minPoints (5) must not exceed window (3)");
    }

    @Test
    void urlMessagesNeverShowTheValue() {
        String secret = "https//hooks.example.com/T000/B000/XXXXSECRET";
        assertThatThrownBy(() -> Require.httpUrl(secret, "webhookUrl"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("webhookUrl ").hasMessageNotContaining("SECRET");
        assertThatThrownBy(() -> Require.httpUrl("ftp://h/SECRET", "webhookUrl")).hasMessageNotContaining("SECRET");
        assertThatThrownBy(() -> Require.httpUrl("https:///SECRET", "webhookUrl")).hasMessageNotContaining("SECRET");
        assertThatThrownBy(() -> Require.httpUrl("http://bad host/SECRET", "webhookUrl")).hasMessageNotContaining("SECRET");
        assertThatThrownBy(() -> Require.httpUrl("", "webhookUrl")).hasMessage("webhookUrl must not be blank");
    }

    @Test
    void missingCollaboratorIsAnIllegalStateNamingTheSetter() {
        assertThatThrownBy(() -> Require.configured(null, "meterRegistry", "migmon records into the host's registry"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("meterRegistry must be set: migmon records into the host's registry");
        assertThatThrownBy(() -> Require.configured(null, "applier", ""))
                .isInstanceOf(IllegalStateException.class).hasMessage("applier must be set");
    }
}
