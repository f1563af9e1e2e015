package io.migmon.cdc;

import io.migmon.core.health.Health;
import io.migmon.core.health.HealthStatus;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 11 fix 7.1: heartbeats are read while the poll thread has a batch in hand. A backlog that keeps a batch in
 * hand for several heartbeat intervals (one large transaction applied through a slowed target, five times) is
 * sampled every 250 ms against the ground truth (PostgreSQL commit timestamps of the oldest row not yet in the
 * target), as {@link LagAccuracyBenchmark} does. Before the fix the side consumer was read only with nothing in hand:
 * when the last batch was applied, the newest heartbeat was the one read before the backlog, so the gauge read
 * now − the transaction's commit (seconds, truth 0) and the health was DOWN "connector silent" (the newest source
 * time was that commit) until the next read of the heartbeat topic. Reading them during the backlog exposed a second
 * cause (the one this test saw most, before and after the first fix): Debezium emits heartbeats while it streams a
 * large transaction, each {@code ts_ms} after the commit time all its changes carry, so such a heartbeat "confirmed"
 * the partition while most of the transaction was still at the connector: 0.0-0.5 s read against a truth of 2-10 s.
 * A heartbeat now confirms a change only once its transaction's {@code END} arrived (when the connector's transaction
 * topic is read here).
 *
 * <p>The samples judged are those taken once the round's first rows are in the target, up to 1.5 s after its last:
 * the under-read while the transaction is still decoded at the source (before any row reaches Kafka) is the capture
 * latency, a documented limit no heartbeat can shorten (docs/cdc.md, Accuracy).
 */
class HeartbeatsInBacklogIT {

    private static final Duration HEARTBEAT = Duration.ofMillis(250);
    private static final int ROUNDS = 5;
    private static final int ROWS = 6_000;
    /**
     * The CI bound on |gauge − truth|. The accuracy target is 250 ms, met here on a quiet machine (max 1 ms); but
     * after the last change the gauge may over-read until a heartbeat emitted after it is read, by up to one
     * heartbeat interval plus the heartbeat's transit, which a loaded 2-core machine stretches (434 ms once at load
     * 10-13, the heartbeat read 329 ms before). 1 s keeps the test stable and still fails without the fix (1.3-10.6 s).
     */
    private static final double BOUND_SECONDS = 1.0;
    /**
     * The CI bound on a "connector silent" reading. The health rule is 2 heartbeat intervals (500 ms here) and is
     * right to fire when the source's heartbeats really are that late: on the project's CI (2 cores, two modules'
     * ITs side by side, 2026-11-28) one sample after the fourth round read "connector silent ... for 673 ms" with the
     * newest heartbeat read 563 ms before, all rows applied. The regression this test guards reads the connector
     * silent for the whole batch in hand (the newest heartbeat read is the one before the backlog: 1.8 s and more
     * here), so a reading above 4 intervals still fails it, and every shorter one is printed.
     */
    private static final long SILENT_BOUND_MS = HEARTBEAT.toMillis() * 4;
    private static final Pattern SILENT_FOR = Pattern.compile("connector silent: no heartbeat or change event[^;]* for (\\d+) ms");
    private static LagPipeline pipe;
    private static final AtomicLong nextId = new AtomicLong(1);

    @BeforeAll
    static void setUp() throws Exception {
        // the connector tuned as docs/cdc.md recommends for sub-second accuracy
        pipe = new LagPipeline("hbbacklog", HEARTBEAT, Map.of("poll.interval.ms", "50"));
        pipe.sourceSynchronousCommit("on");
        pipe.startProcessor();
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (pipe != null) {
            pipe.close();
            pipe.env.stopConnect();
        }
    }

    private record Sample(long atMs, double gauge, double truthBefore, double truthAfter, String health) {
        double err() {
            return gauge > truthBefore ? gauge - truthBefore : gauge < truthAfter ? gauge - truthAfter : 0;
        }
    }

    @Test
    void aBacklogSpanningSeveralHeartbeatsReadsTheLagNearTheTruthAndTheConnectorIsNeverSilent() throws Exception {
        // 300 µs per row: a 500-row poll is in hand for at least 150 ms, a 6,000-row transaction for 1.8 s or more
        pipe.delayPerRowMicros = 300;
        List<Sample> judged = new ArrayList<>();
        for (int round = 0; round < ROUNDS; round++) {
            long before = pipe.targetMaxId();
            long from = nextId.getAndAdd(ROWS);
            long last = from + ROWS - 1;
            pipe.write("INSERT INTO " + pipe.table + " SELECT g, 'b', 1 FROM generate_series(" + from + ", " + last
                    + ") g");
            long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            long doneAtNanos = -1;
            while (true) {
                long t = System.nanoTime();
                long targetMax = pipe.targetMaxId();
                long now = LagPipeline.nowNanos();
                double gauge = pipe.overallLag();
                Health h = pipe.health();
                long targetMaxAfter = pipe.targetMaxId();
                double truth = pipe.truthSeconds(now, targetMax);
                double truthAfter = targetMaxAfter == targetMax ? truth : pipe.truthSeconds(now, targetMaxAfter);
                if (targetMax > before) {
                    String down = (h.status() == HealthStatus.DOWN ? String.join("; ", h.reasons()) : "")
                            + " " + h.details() + " unseen=" + pipe.registry.find("cdc.transactions.evicted")
                            .tag("reason", "unseen").counters().stream().mapToDouble(c -> c.count()).sum()
                            + " msgs=" + pipe.consumerLagMessages();
                    judged.add(new Sample(now / 1_000_000L, gauge, truth, truthAfter, down));
                }
                if (doneAtNanos < 0 && targetMax >= last) {
                    doneAtNanos = t;
                }
                if (doneAtNanos > 0 && t - doneAtNanos > 1_500_000_000L) {
                    break;
                }
                assertThat(t).as("round %d applied within 120 s", round).isLessThan(deadline);
                long sleep = 250 - (System.nanoTime() - t) / 1_000_000L;
                if (sleep > 0) {
                    Thread.sleep(sleep);
                }
            }
        }
        pipe.delayPerRowMicros = 0;
        StringBuilder report = new StringBuilder();
        for (Sample s : judged) {
            long silentMs = silentMs(s.health());
            if (silentMs >= 0 && silentMs <= SILENT_BOUND_MS) {
                System.out.printf("HeartbeatsInBacklogIT: a heartbeat late at %d (%d ms silent, within %d ms): %s%n",
                        s.atMs(), silentMs, SILENT_BOUND_MS, s.health());
            }
            if (Math.abs(s.err()) > BOUND_SECONDS || silentMs > SILENT_BOUND_MS) {
                report.append(String.format("at %d gauge %.3f truth %.3f..%.3f err %.3f %s%n", s.atMs(), s.gauge(),
                        s.truthBefore(), s.truthAfter(), s.err(), s.health()));
            }
        }
        System.out.printf("HeartbeatsInBacklogIT: %d samples judged, max |err| %.0f ms%n", judged.size(),
                judged.stream().mapToDouble(s -> Math.abs(s.err())).max().orElse(0) * 1000);
        assertThat(judged).as("samples while the backlog was applied").hasSizeGreaterThan(ROUNDS * 4);
        assertThat(report.toString()).as("samples off by more than %.0f ms or DOWN 'connector silent' for more than %d ms",
                BOUND_SECONDS * 1000, SILENT_BOUND_MS).isEmpty();
    }

    /** The silence a DOWN "connector silent" reason names, in ms; -1 when the sample is not such a reading. */
    static long silentMs(String health) {
        Matcher m = SILENT_FOR.matcher(health);
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }
}
