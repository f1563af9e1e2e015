package io.migmon.cdc.internal;

import io.migmon.core.testing.MutableClock;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class PartitionLagTest {

    @Test
    void secondsAreTheAgeOfTheOldestUnconsumedRecordAndZeroWhenCaughtUp() {
        MutableClock clock = MutableClock.at("2025-11-25T10:00:00Z");
        PartitionLag lag = new PartitionLag(clock);
        assertThat(lag.seconds()).isZero();

        lag.messages(120);
        lag.oldestUnconsumedTimestampMs(clock.millis() - 4_500, clock.millis());
        assertThat(lag.seconds()).isEqualTo(4.5);
        // the oldest record keeps ageing while it stays unconsumed: exact at scrape time, not interpolated
        clock.advance(Duration.ofSeconds(2));
        assertThat(lag.seconds()).isEqualTo(6.5);

        lag.messages(0);
        assertThat(lag.seconds()).isZero();
        // a later lag without a fresh peek does not reuse the stale timestamp
        lag.messages(3);
        assertThat(lag.seconds()).isZero();
    }
}
