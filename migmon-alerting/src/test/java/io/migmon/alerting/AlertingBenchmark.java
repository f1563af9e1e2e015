package io.migmon.alerting;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migmon.alerting.spi.AlertSink;
import io.migmon.alerting.spi.Notification;
import io.migmon.core.Severity;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Run: {@code mvn -B -pl migmon-alerting -am test -Dexcluded.groups= -Dgroups=benchmark -Dtest=AlertingBenchmark -Dsurefire.failIfNoSpecifiedTests=false}. Prints figures for
 * docs/performance/alerting.md; asserts nothing about speed.
 */
@Tag("benchmark")
class AlertingBenchmark {

    private static final int DISTINCT = 1_000;
    private static final Alert[] ALERTS = new Alert[DISTINCT];

    static {
        Severity[] sev = Severity.values();
        for (int i = 0; i < DISTINCT; i++) {
            ALERTS[i] = Alert.builder(i % 2 == 0 ? "low_throughput" : "high_error_rate", sev[i % sev.length])
                    .label("migration_id", "m" + (i % 50)).label("table_name", "t" + i).summary("bench " + i).build();
        }
    }

    /** fire() latency while the only sink hangs forever, versus ArrayBlockingQueue.offer with a consumer. */
    @Test
    void fireLatencyWithHungSink() throws Exception {
        int n = 2_000_000;
        for (int round = 0; round < 3; round++) {
            long[] base = baselineOffer(n);
            long[] fire = fireWithHungSink(n);
            System.out.printf(Locale.ROOT, "round %d%n", round);
            print("ArrayBlockingQueue.offer (baseline)", base);
            print("AlertDispatcher.fire, hung sink", fire);
        }
    }

    private static long[] baselineOffer(int n) throws InterruptedException {
        ArrayBlockingQueue<Object> q = new ArrayBlockingQueue<>(10_000);
        AtomicBoolean stop = new AtomicBoolean();
        Thread consumer = new Thread(() -> {
            java.util.ArrayList<Object> sinkList = new java.util.ArrayList<>();
            while (!stop.get()) {
                q.drainTo(sinkList);
                sinkList.clear();
                Thread.onSpinWait();
            }
        });
        consumer.start();
        long[] lat = new long[n];
        for (int i = 0; i < n; i++) {
            long t0 = System.nanoTime();
            q.offer(ALERTS[i % DISTINCT]);
            lat[i] = System.nanoTime() - t0;
        }
        stop.set(true);
        consumer.join();
        return lat;
    }

    private static long[] fireWithHungSink(int n) {
        AlertSink hung = new AlertSink() {
            @Override
            public String name() {
                return "hung";
            }

            @Override
            public void send(Notification notification) {
                try {
                    Thread.sleep(Long.MAX_VALUE);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        };
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        AlertDispatcher d = AlertDispatcher.builder(registry).sink(hung, SinkOptions.DEFAULTS.withTimeout(Duration.ofSeconds(2)))
                .route(Route.builder("hung").groupWait(Duration.ZERO).groupInterval(Duration.ofMillis(50)).build())
                .tickInterval(Duration.ofMillis(10)).build();
        long[] lat = new long[n];
        for (int i = 0; i < n; i++) {
            Alert a = ALERTS[i % DISTINCT];
            long t0 = System.nanoTime();
            d.fire(a);
            lat[i] = System.nanoTime() - t0;
        }
        double dropped = registry.find("migmon.alerts.dropped").counters().stream().mapToDouble(c -> c.count()).sum();
        d.close(Duration.ZERO);
        System.out.printf(Locale.ROOT, "  (fire: %,d calls, %,.0f signals dropped on the full queue)%n", n, dropped);
        return lat;
    }

    /** Alerts/s through evaluation + dedup + grouping (manual tick, no-op sink) vs a HashMap dedup baseline. */
    @Test
    void throughputThroughDedupAndGrouping() {
        int n = 5_000_000;
        for (int round = 0; round < 3; round++) {
            long t0 = System.nanoTime();
            Map<String, Alert> seen = new HashMap<>();
            for (int i = 0; i < n; i++) {
                Alert a = ALERTS[i % DISTINCT];
                seen.putIfAbsent(a.fingerprint(), a);
            }
            long base = System.nanoTime() - t0;

            LongAdder notified = new LongAdder();
            AlertSink noop = new AlertSink() {
                @Override
                public String name() {
                    return "noop";
                }

                @Override
                public void send(Notification notification) {
                    notified.add(notification.alerts().size());
                }
            };
            AlertDispatcher d = AlertDispatcher.builder(new SimpleMeterRegistry()).manualTick().queueCapacity(20_000)
                    .sink(noop).route(Route.builder("noop").groupBy("migration_id").groupWait(Duration.ZERO)
                            .groupInterval(Duration.ofMillis(1)).build()).build();
            long t1 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                d.fire(ALERTS[i % DISTINCT]);
                if (i % 10_000 == 9_999) {
                    d.tick();
                }
            }
            d.tick();
            long disp = System.nanoTime() - t1;
            d.close(Duration.ZERO);
            System.out.printf(Locale.ROOT, "round %d: HashMap dedup baseline %,.0f alerts/s; dispatcher fire+tick "
                            + "(dedup, hysteresis, routing, grouping, %d groups) %,.0f alerts/s, %,d alerts notified%n",
                    round, n / (base / 1e9), 50, n / (disp / 1e9), notified.sum());
        }
    }

    private static void print(String label, long[] lat) {
        long[] s = lat.clone();
        Arrays.sort(s);
        System.out.printf(Locale.ROOT, "  %-40s p50 %,6d ns  p99 %,7d ns  p99.9 %,9d ns  max %,11d ns%n", label,
                s[s.length / 2], s[(int) (s.length * 0.99)], s[(int) (s.length * 0.999)], s[s.length - 1]);
    }
}
