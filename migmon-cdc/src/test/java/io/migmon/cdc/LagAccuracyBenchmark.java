package io.migmon.cdc;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Accuracy of {@code cdc_replication_lag_overall_seconds} against ground truth, like a benchmark (its own command,
 * no pass/fail): {@code mvn -B -pl migmon-cdc -am verify -Dexcluded.groups= -Dgroups=benchmark -Dtest=none
 * -Dit.test=LagAccuracyBenchmark -Dsurefire.failIfNoSpecifiedTests=false}. Every 250 ms a sampler reads the gauge and
 * the ground truth (now − PostgreSQL commit time of the oldest source row not yet in the target), through five
 * phases: steady load (100 rows/s), a backlog (processor blocked 8 s under load, then recovery), a slow target
 * (capacity 100 rows/s under 200 rows/s for 10 s, then recovery), one 50,000-row transaction, and idle. Heartbeats
 * every 250 ms ({@code -DheartbeatMs=...}; {@code -Drounds=...}). The source commits with PostgreSQL's default
 * {@code synchronous_commit=on} ({@code -DsynchronousCommit=off} for zonky's setting); the connector polls with
 * Debezium's default {@code poll.interval.ms} (500 ms) unless {@code -DpollIntervalMs=...}. Reports mean and max absolute error per phase and round to stdout and
 * {@code target/lag-accuracy.txt}. The target is read just before and after the gauge; when an apply committed in
 * between, the error is the gauge's distance from the truth interval those two reads bound ({@code moved} counts
 * such samples; {@code max point} is the former measure, against the read before only).
 */
@Tag("benchmark")
class LagAccuracyBenchmark {

    /**
     * One sample. The target's highest id is read just before and just after the gauge: when the processor's apply
     * committed in between, the truth at the instant of the gauge read lies between {@code truthAfter} and
     * {@code truthBefore}, and the error is the gauge's distance from that interval (0 inside it).
     */
    private record Sample(String phase, long atMs, double gauge, double truthBefore, double truthAfter) {
        double truth() {
            return truthBefore;
        }

        double err() {
            return gauge > truthBefore ? gauge - truthBefore : gauge < truthAfter ? gauge - truthAfter : 0;
        }

        boolean moved() {
            return truthBefore != truthAfter;
        }
    }

    private final List<Sample> samples = new ArrayList<>();
    private volatile String phase = "warmup";
    private final AtomicLong nextId = new AtomicLong(1);

    @Test
    void replicationLagAgainstCommitTimestamps() throws Exception {
        int rounds = Integer.getInteger("rounds", 3);
        Duration heartbeat = Duration.ofMillis(Long.getLong("heartbeatMs", 250));
        // PostgreSQL's own default; zonky's embedded server starts with off (-DsynchronousCommit=off reproduces it)
        String synchronousCommit = System.getProperty("synchronousCommit", "on");
        // Debezium's default is 500 ms; -DpollIntervalMs=... sets the connector's poll.interval.ms
        String pollIntervalMs = System.getProperty("pollIntervalMs", "");
        Map<String, String> connector = pollIntervalMs.isBlank() ? Map.of() : Map.of("poll.interval.ms", pollIntervalMs);
        StringBuilder report = new StringBuilder("lag accuracy, " + Instant.now() + ", heartbeat " + heartbeat
                + ", synchronous_commit " + synchronousCommit + ", poll.interval.ms "
                + (pollIntervalMs.isBlank() ? "default (500)" : pollIntervalMs)
                + ", load average " + Files.readString(Path.of("/proc/loadavg")).trim() + "\n");
        try (LagPipeline pipe = new LagPipeline("accuracy", heartbeat, connector)) {
            pipe.sourceSynchronousCommit(synchronousCommit);
            report.append("source settings not at PostgreSQL's defaults: ").append(pipe.sourceNonDefaultSettings())
                    .append('\n');
            pipe.startProcessor();
            ExecutorService pool = Executors.newCachedThreadPool();
            AtomicBoolean sampling = new AtomicBoolean(true);
            Future<?> sampler = pool.submit(() -> {
                while (sampling.get()) {
                    long t = System.nanoTime();
                    try {
                        long targetMax = pipe.targetMaxId();
                        long now = LagPipeline.nowNanos();
                        double gauge = pipe.overallLag();
                        long targetMaxAfter = pipe.targetMaxId();
                        double truth = pipe.truthSeconds(now, targetMax);
                        double truthAfter = targetMaxAfter == targetMax ? truth
                                : pipe.truthSeconds(now, targetMaxAfter);
                        synchronized (samples) {
                            samples.add(new Sample(phase, now / 1_000_000L, gauge, truth, truthAfter));
                        }
                    } catch (Exception e) {
                        // a sample lost; the next one comes in 250 ms
                    }
                    long sleep = 250 - (System.nanoTime() - t) / 1_000_000;
                    if (sleep > 0) {
                        Thread.sleep(sleep);
                    }
                }
                return null;
            });
            for (int round = 1; round <= rounds; round++) {
                String r = "r" + round + ".";
                run(pipe, pool, r);
            }
            sampling.set(false);
            sampler.get();
            // failures the processor contained (lag refresh or offset commit timing out under load), for the record
            report.append("processor failures contained: ").append(pipe.registry.find("migmon.observability.failures")
                    .counters().stream().mapToDouble(io.micrometer.core.instrument.Counter::count).sum()).append('\n');
            pool.shutdownNow();
        }
        Map<String, List<Sample>> byPhase = new LinkedHashMap<>();
        synchronized (samples) {
            for (Sample s : samples) {
                byPhase.computeIfAbsent(s.phase, k -> new ArrayList<>()).add(s);
            }
        }
        report.append(String.format("%-22s %7s %12s %12s %12s %12s %6s %14s%n", "phase", "samples", "mean |err| ms",
                "max |err| ms", "mean err ms", "mean truth s", "moved", "max point ms"));
        for (Map.Entry<String, List<Sample>> e : byPhase.entrySet()) {
            List<Sample> l = e.getValue();
            double meanAbs = l.stream().mapToDouble(s -> Math.abs(s.err())).average().orElse(0) * 1000;
            double max = l.stream().mapToDouble(s -> Math.abs(s.err())).max().orElse(0) * 1000;
            double mean = l.stream().mapToDouble(Sample::err).average().orElse(0) * 1000;
            double truth = l.stream().mapToDouble(Sample::truth).average().orElse(0);
            long moved = l.stream().filter(Sample::moved).count();
            // the former measure: against the truth from the target read before the gauge only
            double maxPoint = l.stream().mapToDouble(s -> Math.abs(s.gauge - s.truthBefore)).max().orElse(0) * 1000;
            report.append(String.format("%-22s %7d %12.1f %12.1f %12.1f %12.3f %6d %14.1f%n", e.getKey(), l.size(),
                    meanAbs, max, mean, truth, moved, maxPoint));
        }
        report.append("load average at the end ").append(Files.readString(Path.of("/proc/loadavg")).trim()).append('\n');
        System.out.println(report);
        Files.writeString(Path.of("target", "lag-accuracy.txt"), report.toString());
        // every sample off by more than 250 ms, to see where the error comes from
        StringBuilder off = new StringBuilder("phase atMs gauge truthBefore truthAfter err\n");
        synchronized (samples) {
            for (Sample s : samples) {
                if (Math.abs(s.err()) > 0.25 || Math.abs(s.gauge - s.truthBefore) > 0.25) {
                    off.append(String.format("%s %d %.3f %.3f %.3f %+.3f%n", s.phase, s.atMs, s.gauge, s.truthBefore,
                            s.truthAfter, s.err()));
                }
            }
        }
        Files.writeString(Path.of("target", "lag-accuracy-outliers.txt"), off.toString());
    }

    private void run(LagPipeline pipe, ExecutorService pool, String r) throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong everyMicros = new AtomicLong(10_000);
        Future<?> writer = pool.submit(() -> {
            while (!stop.get()) {
                long t = System.nanoTime();
                long id = nextId.getAndIncrement();
                pipe.write("INSERT INTO " + pipe.table + " VALUES (" + id + ", 'v', 1)");
                long left = everyMicros.get() - (System.nanoTime() - t) / 1000;
                if (left > 0) {
                    Thread.sleep(left / 1000, (int) (left % 1000) * 1000);
                }
            }
            return null;
        });
        phase = r + "1-steady";
        Thread.sleep(15_000);
        phase = r + "2-backlog";
        pipe.blocked = true;
        Thread.sleep(8_000);
        pipe.blocked = false;
        Thread.sleep(7_000);
        phase = r + "3-slow-target";
        pipe.delayPerRowMicros = 10_000;
        everyMicros.set(5_000);
        Thread.sleep(10_000);
        pipe.delayPerRowMicros = 0;
        everyMicros.set(10_000);
        Thread.sleep(5_000);
        stop.set(true);
        writer.get();
        phase = r + "4-bulk-50k";
        long from = nextId.getAndAdd(50_000);
        pipe.write("INSERT INTO " + pipe.table + " SELECT g, 'bulk', 2 FROM generate_series(" + from + ", "
                + (from + 49_999) + ") g");
        Await.until(Duration.ofSeconds(120), "bulk applied", () -> pipe.targetMaxId() >= from + 49_999);
        Thread.sleep(2_000);
        phase = r + "5-idle";
        Thread.sleep(20_000);
    }
}
