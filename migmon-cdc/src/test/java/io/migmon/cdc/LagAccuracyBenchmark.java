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
 * -Dit.test=LagAccuracyBenchmark -Dsurefire.failIfNoSpecifiedTests=false -DpollIntervalMs=50}; the figures held
 * against the target in docs/cdc.md are the tuned connector's ({@code -DpollIntervalMs=50}): without it the connector
 * runs Debezium's default 500 ms and the report says so in a NOTE line. Every 250 ms a sampler reads the gauge and
 * the ground truth (now − PostgreSQL commit time of the oldest source row not yet in the target), through five
 * phases: steady load (100 rows/s), a backlog (processor blocked 8 s under load, then recovery), a slow target
 * (capacity 100 rows/s under 200 rows/s for 10 s, then recovery), one 50,000-row transaction, and idle. Heartbeats
 * every 250 ms ({@code -DheartbeatMs=...}; {@code -Drounds=...}). The source commits with PostgreSQL's default
 * {@code synchronous_commit=on} ({@code -DsynchronousCommit=off} for zonky's setting); the connector polls with
 * Debezium's default {@code poll.interval.ms} (500 ms) unless {@code -DpollIntervalMs=...}. Reports mean and max absolute error per phase and round to stdout and
 * {@code target/lag-accuracy.txt}. The target is read just before and after the gauge; when an apply committed in
 * between, the error is the gauge's distance from the truth interval those two reads bound ({@code moved} counts
 * such samples; {@code max point} is the former measure, against the read before only). The truth's upper end is taken
 * at the clock read just after the gauge (the gauge computes its own now somewhere between the two clock reads: a
 * sampler thread descheduled in between made a growing lag look over-read by the pause; {@code late} counts samples
 * whose gauge read took over 20 ms or that started over 50 ms after their tick).
 *
 * <p>Diagnosis options: {@code -Dphases=bulk} (any of {@code steady,backlog,slow,bulk,idle}, comma-separated; default
 * all; a round of only {@code bulk} is the 50,000-row transaction, until applied + 2 s, then 1 s of gap; the wait
 * for it is {@code -DbulkTimeoutS=300}) and
 * {@code -DlagExplain=true}: every sample also takes the processor's watermark state right after the gauge
 * ({@link ProgressTracker#explainOverall()}), a tracer thread logs every 2 ms what changed (heartbeat/{@code END}
 * processed, applied-through and committed offsets), the gated applier logs each apply (start, target commit, rows)
 * and GC notifications log each pause; {@code target/lag-accuracy-explain.txt} then shows the worst samples
 * ({@code -DexplainTop=10}, plus every one over 250 ms) with that timeline around them, and the heartbeats'
 * transit (emission {@code ts_ms} → processed) and the over-read bound they leave (age of the newest processed
 * heartbeat when the next one is processed).
 *
 * <p>Attribution (always on): each under-read over 250 ms is classed in the report ({@code late}: the sampler or a GC;
 * {@code seen}: the truth row's change had reached the processor, so the gauge was wrong by its own data;
 * {@code unseen-confirmed} / {@code unseen-after}: it had not, and the newest heartbeat processed was emitted after /
 * before the row's commit), with the stage means per phase (source commit → connector → Kafka → consumed, from
 * {@code cdc_stage_latency}) and the rows per second actually written; the explain dump names the truth row (id,
 * commit time) of each worst sample.
 */
@Tag("benchmark")
class LagAccuracyBenchmark {

    /**
     * One sample. The target's highest id is read just before and just after the gauge: when the processor's apply
     * committed in between, the truth at the instant of the gauge read lies between {@code truthAfter} and
     * {@code truthBefore}, and the error is the gauge's distance from that interval (0 inside it).
     */
    private record Sample(String phase, long atMs, double gauge, double truthBefore, double truthAfter,
            double truthHigh, Timing timing, String explain, Truth truthRow, double[] stages, long written) {
        double truth() {
            return truthBefore;
        }

        /** Distance from [truth after the gauge at the clock before it, truth before it at the clock after it]. */
        double err() {
            return gauge > truthHigh ? gauge - truthHigh : gauge < truthAfter ? gauge - truthAfter : 0;
        }

        boolean moved() {
            return truthBefore != truthAfter;
        }

        boolean late() {
            return timing.lateMs() > 50 || timing.gaugeReadMs() > 20;
        }

        /**
         * Why an under-read (err below -250 ms) happened, from what the processor knew at the gauge: {@code late}
         * (the sampler or a GC, not the gauge), {@code seen} (the truth row's change had reached the processor: the
         * gauge was wrong by its own data), {@code unseen-confirmed} (not reached, and the newest heartbeat processed
         * carries a {@code ts_ms} after the row's commit: the heartbeat claimed a moment whose changes the connector
         * had not emitted yet), {@code unseen-after} (not reached, committed after the newest heartbeat: invisible to
         * the processor by any rule); null for other samples.
         */
        String underRead() {
            if (err() >= -0.25 || truthRow == null || truthRow.commitNanos() < 0) {
                return null;
            }
            if (late() || timing.gcMs() > 20) {
                return "late";
            }
            if (truthRow.lastChangeSourceNanos() >= truthRow.commitNanos()) {
                return "seen";
            }
            return truthRow.heartbeatNanos() > truthRow.commitNanos() ? "unseen-confirmed" : "unseen-after";
        }
    }

    /**
     * The row the truth was measured from (the oldest source row not in the target, read just before the gauge): its
     * id and commit time (epoch nanos, -1 none), and what the processor had at the gauge: the source time of the
     * newest change that reached it and of the newest heartbeat it processed (epoch nanos, -1 none).
     */
    private record Truth(long id, long commitNanos, long lastChangeSourceNanos, long heartbeatNanos) {
    }

    /**
     * The sampler's own timing: how late the sample started after its 250 ms tick, the clock reads around the
     * gauge (epoch nanos: before the target read, the truth's now, after the gauge, after the second target read)
     * and the GC pauses (count, ms) that ended while the sample was taken.
     */
    private record Timing(long lateMs, long startNanos, long nowNanos, long gaugeNanos, long endNanos, long gcCount,
            long gcMs) {
        double gaugeReadMs() {
            return (gaugeNanos - nowNanos) / 1e6;
        }
    }

    /** One line of the diagnosis timeline: when (epoch nanos), what. */
    private record Event(long atNanos, String what) {
    }

    private final boolean explain = Boolean.getBoolean("lagExplain");
    private final java.util.Set<String> phases = java.util.Set.of(
            System.getProperty("phases", "steady,backlog,slow,bulk,idle").split(","));
    private final java.util.Queue<Event> events = new java.util.concurrent.ConcurrentLinkedQueue<>();
    /** Each heartbeat (or END) processed: {arrival, newest heartbeat ts, newest END ts} (tracer). */
    private final List<long[]> confirmations = java.util.Collections.synchronizedList(new ArrayList<>());

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
                + ", phases " + System.getProperty("phases", "all") + ", load average " + Files.readString(Path.of("/proc/loadavg")).trim()
                + "\n");
        if (pollIntervalMs.isBlank()) {
            // the 2026-11-27 re-measure on a new machine compared such a run with tuned-connector figures
            report.append("NOTE: Debezium's default poll.interval.ms (500 ms): the connector pauses that long when the"
                    + " WAL stream is empty and its queue hands batches over at that pace, so changes wait up to ~1 s"
                    + " before Kafka, invisible to the processor (under-reads); the target in docs/cdc.md \"Accuracy\""
                    + " is for the tuned connector, -DpollIntervalMs=50\n");
        }
        try (LagPipeline pipe = new LagPipeline("accuracy", heartbeat, connector)) {
            pipe.sourceSynchronousCommit(synchronousCommit);
            report.append("source settings not at PostgreSQL's defaults: ").append(pipe.sourceNonDefaultSettings())
                    .append('\n');
            java.util.concurrent.ConcurrentLinkedQueue<long[]> applies = new java.util.concurrent.ConcurrentLinkedQueue<>();
            if (explain) {
                pipe.applyLog = applies;
                listenToGc();
            }
            pipe.startProcessor();
            ExecutorService pool = Executors.newCachedThreadPool();
            AtomicBoolean sampling = new AtomicBoolean(true);
            Future<?> tracer = explain ? pool.submit(() -> trace(pipe, sampling)) : null;
            Future<?> sampler = pool.submit(() -> {
                long tick = System.nanoTime();
                // one connection to each database for the whole run: opening one per read (a new PostgreSQL backend)
                // took 50-200 ms on a slow, loaded machine and widened the truth interval by that much
                java.sql.Connection targetDb = null;
                java.sql.Connection sourceDb = null;
                while (sampling.get()) {
                    long t = System.nanoTime();
                    long late = (t - tick) / 1_000_000;
                    try {
                        if (targetDb == null || sourceDb == null) {
                            targetDb = pipe.target.dataSource().getConnection();
                            sourceDb = pipe.env.source().getConnection();
                        }
                        long gc0 = gcCount();
                        long gcMs0 = gcMs();
                        long start = LagPipeline.nowNanos();
                        long targetMax = pipe.targetMaxId(targetDb);
                        long now = LagPipeline.nowNanos();
                        double gauge = pipe.overallLag();
                        long gaugeAt = LagPipeline.nowNanos();
                        ProgressTracker progress = pipe.processor.progress();
                        long lastChangeSource = progress.lastChangeSourceNanos;
                        long newestHeartbeat = progress.heartbeatNanos();
                        String state = explain ? pipe.processor.progress().explainOverall() : null;
                        long targetMaxAfter = pipe.targetMaxId(targetDb);
                        long end = LagPipeline.nowNanos();
                        long[] missing = pipe.oldestMissing(sourceDb, targetMax);
                        long commit = missing[1];
                        long[] missingAfter = targetMaxAfter == targetMax ? missing
                                : pipe.oldestMissing(sourceDb, targetMaxAfter);
                        long commitAfter = missingAfter[1];
                        double truth = commit < 0 ? 0 : Math.max(0, now - commit) / 1e9;
                        double truthHigh = commit < 0 ? 0 : Math.max(0, gaugeAt - commit) / 1e9;
                        double truthAfter = commitAfter < 0 ? 0 : Math.max(0, now - commitAfter) / 1e9;
                        Timing timing = new Timing(late, start, now, gaugeAt, end, gcCount() - gc0, gcMs() - gcMs0);
                        synchronized (samples) {
                            samples.add(new Sample(phase, now / 1_000_000L, gauge, truth, truthAfter, truthHigh,
                                    timing, state, new Truth(missingAfter[0], commitAfter, lastChangeSource,
                                            newestHeartbeat), stageTotals(pipe), nextId.get() - 1));
                        }
                    } catch (Exception e) {
                        // a sample lost; the next one comes in 250 ms, on fresh connections
                        closeQuietly(targetDb);
                        closeQuietly(sourceDb);
                        targetDb = null;
                        sourceDb = null;
                    }
                    tick += 250_000_000L;
                    long sleep = (tick - System.nanoTime()) / 1_000_000;
                    if (sleep > 0) {
                        Thread.sleep(sleep);
                    } else {
                        tick = System.nanoTime(); // far behind: restart the ticks rather than sample in a burst
                    }
                }
                closeQuietly(targetDb);
                closeQuietly(sourceDb);
                return null;
            });
            for (int round = 1; round <= rounds; round++) {
                String r = "r" + round + ".";
                run(pipe, pool, r);
            }
            sampling.set(false);
            sampler.get();
            if (tracer != null) {
                tracer.get();
            }
            for (long[] a : applies) {
                events.add(new Event(a[0], "apply start (" + a[2] + " rows)"));
                events.add(new Event(a[1], "apply committed in the target (" + a[2] + " rows, "
                        + String.format("%.1f", (a[1] - a[0]) / 1e6) + " ms)"));
            }
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
        report.append(String.format("%-22s %7s %12s %12s %12s %12s %6s %14s %5s  %-24s %-16s %s%n", "phase",
                "samples", "mean |err| ms", "max |err| ms", "mean err ms", "mean truth s", "moved", "max point ms",
                "late",
                "under-reads >250 ms", "stage means ms", "rows/s written"));
        report.append("(samples: those with a gauge value; nan = samples whose gauge read NaN, left out of the"
                + " errors)\n");
        for (Map.Entry<String, List<Sample>> e : byPhase.entrySet()) {
            // a NaN gauge (the lag not known yet: before the first change after the processor started) has no
            // error: counted apart (nan=) rather than as an exact read, which err()'s comparisons made of it
            List<Sample> l = e.getValue().stream().filter(s -> !Double.isNaN(s.gauge())).toList();
            long nan = e.getValue().size() - l.size();
            if (l.isEmpty()) {
                report.append(String.format("%-22s %7d NaN only%n", e.getKey(), nan));
                continue;
            }
            double meanAbs = l.stream().mapToDouble(s -> Math.abs(s.err())).average().orElse(0) * 1000;
            double max = l.stream().mapToDouble(s -> Math.abs(s.err())).max().orElse(0) * 1000;
            double mean = l.stream().mapToDouble(Sample::err).average().orElse(0) * 1000;
            double truth = l.stream().mapToDouble(Sample::truth).average().orElse(0);
            long moved = l.stream().filter(Sample::moved).count();
            // the former measure: against the truth from the target read before the gauge only
            double maxPoint = l.stream().mapToDouble(s -> Math.abs(s.gauge - s.truthBefore)).max().orElse(0) * 1000;
            long late = l.stream().filter(Sample::late).count();
            Map<String, Long> under = new java.util.TreeMap<>();
            if (nan > 0) {
                under.put("nan", nan);
            }
            for (Sample s : l) {
                if (s.underRead() != null) {
                    under.merge(s.underRead(), 1L, Long::sum);
                }
            }
            Sample first = l.get(0);
            Sample last = l.get(l.size() - 1);
            double rate = last.atMs() > first.atMs() ? (last.written() - first.written()) * 1000.0
                    / (last.atMs() - first.atMs()) : 0;
            report.append(String.format("%-22s %7d %12.1f %12.1f %12.1f %12.3f %6d %14.1f %5d  %-24s %-16s %.0f%n",
                    e.getKey(), l.size(), meanAbs, max, mean, truth, moved, maxPoint, late,
                    under.isEmpty() ? "-" : under.toString().replace(" ", ""), stageMeans(l), rate));
        }
        report.append("under-reads >250 ms: late = sampler > 50 ms late, gauge read > 20 ms after the truth's clock"
                + " or GC > 20 ms; seen = the missing row's change had reached the processor; unseen-confirmed = not"
                + " reached, the newest heartbeat processed was emitted after its commit; unseen-after = not reached,"
                + " committed after the newest heartbeat. stage means: source commit -> connector event ts_ms ->"
                + " Kafka timestamp -> consumed\n");
        report.append("load average at the end ").append(Files.readString(Path.of("/proc/loadavg")).trim()).append('\n');
        System.out.println(report);
        Files.writeString(Path.of("target", "lag-accuracy.txt"), report.toString());
        // every sample off by more than 250 ms, to see where the error comes from
        StringBuilder off = new StringBuilder("phase atMs gauge truthBefore truthAfter truthHigh err lateMs gaugeReadMs"
                + " gcMs\n");
        synchronized (samples) {
            for (Sample s : samples) {
                if (Math.abs(s.err()) > 0.25 || Math.abs(s.gauge - s.truthBefore) > 0.25) {
                    off.append(String.format("%s %d %.3f %.3f %.3f %.3f %+.3f %d %.1f %d%n", s.phase, s.atMs, s.gauge,
                            s.truthBefore, s.truthAfter, s.truthHigh, s.err(), s.timing.lateMs(),
                            s.timing.gaugeReadMs(), s.timing.gcMs()));
                }
            }
        }
        Files.writeString(Path.of("target", "lag-accuracy-outliers.txt"), off.toString());
        if (explain) {
            Files.writeString(Path.of("target", "lag-accuracy-explain.txt"), explainWorst(report.toString()));
        }
    }

    /** The worst samples with the timeline around each, and the heartbeats' transit and over-read bound. */
    private String explainWorst(String header) {
        int top = Integer.getInteger("explainTop", 10);
        List<Sample> worst;
        synchronized (samples) {
            worst = new ArrayList<>(samples);
        }
        worst.sort((a, b) -> Double.compare(Math.abs(b.err()), Math.abs(a.err())));
        List<Sample> shown = new ArrayList<>();
        for (int i = 0; i < worst.size(); i++) {
            if (i < top || Math.abs(worst.get(i).err()) > 0.25) {
                shown.add(worst.get(i));
            }
        }
        List<Event> timeline = new ArrayList<>(events);
        timeline.sort(java.util.Comparator.comparingLong(Event::atNanos));
        StringBuilder b = new StringBuilder(header).append('\n');
        b.append(heartbeatStatistics()).append('\n');
        for (Sample s : shown) {
            Timing t = s.timing;
            b.append(String.format("== %s at %s: gauge %.3f s, truth [%.3f, %.3f] s (point %.3f), err %+.3f s;"
                    + " sampler %d ms late, gauge read %.1f ms after the truth's clock, sample took %.1f ms,"
                    + " GC during the sample %d (%d ms)%n", s.phase, Instant.ofEpochMilli(s.atMs), s.gauge,
                    s.truthAfter, s.truthHigh, s.truthBefore, s.err(), t.lateMs(), t.gaugeReadMs(),
                    (t.endNanos() - t.startNanos()) / 1e6, t.gcCount(), t.gcMs()));
            Truth row = s.truthRow();
            if (row != null && row.commitNanos() > 0) {
                b.append(String.format("   truth row id %d committed %s (%.1f ms before the truth's clock); newest"
                        + " change at the processor committed %.1f ms after it; newest heartbeat ts_ms %.1f ms after"
                        + " it; under-read class %s%n", row.id(), Instant.ofEpochSecond(0, row.commitNanos()),
                        (t.nowNanos() - row.commitNanos()) / 1e6,
                        row.lastChangeSourceNanos() < 0 ? Double.NaN
                                : (row.lastChangeSourceNanos() - row.commitNanos()) / 1e6,
                        row.heartbeatNanos() < 0 ? Double.NaN : (row.heartbeatNanos() - row.commitNanos()) / 1e6,
                        s.underRead()));
            }
            b.append("   state at the gauge: ").append(s.explain).append('\n');
            for (Event e : timeline) {
                long rel = e.atNanos() - t.nowNanos();
                if (rel >= -1_500_000_000L && rel <= 500_000_000L) {
                    b.append(String.format("   %+8.1f ms  %s%n", rel / 1e6, e.what()));
                }
            }
        }
        return b.toString();
    }

    /**
     * From the tracer's log: per heartbeat processed, its transit (processed − {@code ts_ms}), the gap to the
     * previous one's emission, and the age the newest heartbeat had reached when the next was processed — the
     * over-read a gauge waiting for the next heartbeat's confirmation can show.
     */
    private String heartbeatStatistics() {
        List<long[]> list;
        synchronized (confirmations) {
            list = new ArrayList<>(confirmations);
        }
        List<Double> transit = new ArrayList<>();
        List<Double> emitGap = new ArrayList<>();
        List<Double> bound = new ArrayList<>();
        long[] prev = null;
        for (long[] c : list) {
            if (prev != null && c[1] > prev[1]) {
                transit.add((c[0] - c[1]) / 1e6);
                emitGap.add((c[1] - prev[1]) / 1e6);
                bound.add((c[0] - prev[1]) / 1e6);
            }
            if (prev == null || c[1] > prev[1]) {
                prev = c;
            }
        }
        return "heartbeats processed " + transit.size() + ": transit ts_ms -> processed ms " + quantiles(transit)
                + "; emission gap ms " + quantiles(emitGap) + "; age of the newest heartbeat when the next was"
                + " processed ms " + quantiles(bound) + ", over 250 ms: "
                + bound.stream().filter(v -> v > 250).count();
    }

    private static String quantiles(List<Double> values) {
        if (values.isEmpty()) {
            return "(none)";
        }
        List<Double> v = new ArrayList<>(values);
        v.sort(Double::compare);
        return String.format("p50 %.0f / p90 %.0f / p99 %.0f / max %.0f", v.get(v.size() / 2),
                v.get((int) (v.size() * 0.9)), v.get(Math.min(v.size() - 1, (int) (v.size() * 0.99))),
                v.get(v.size() - 1));
    }

    /** Every 2 ms: what changed in the processor's watermarks, logged as events (only with -DlagExplain). */
    private Void trace(LagPipeline pipe, AtomicBoolean running) throws InterruptedException {
        ProgressTracker t = pipe.processor.progress();
        long arrival = -1;
        Map<org.apache.kafka.common.TopicPartition, long[]> last = new java.util.HashMap<>();
        while (running.get()) {
            long a = t.lastConfirmationArrivalNanos;
            if (a != arrival) {
                arrival = a;
                long hb = t.heartbeatNanos();
                long end = t.txEndNanos();
                confirmations.add(new long[] {a, hb, end});
                events.add(new Event(a, String.format("confirmation processed: newest heartbeat ts_ms %s,"
                        + " newest END ts_ms %s (ages at processing)", hb > 0 ? (a - hb) / 1_000_000 + " ms ago" : "-",
                        end > 0 ? (a - end) / 1_000_000 + " ms ago" : "-")));
            }
            for (PartitionProgress p : t.partitions()) {
                if (!p.data) {
                    continue;
                }
                long brokerTs = p.inFlightBrokerTsMs;
                long[] now = {p.appliedThrough, p.committed, p.inFlightSourceNanos > 0 ? 1 : 0, p.end, brokerTs};
                long[] before = last.put(p.tp, now);
                if (before == null || !java.util.Arrays.equals(before, now)) {
                    long at = LagPipeline.nowNanos();
                    // the batch's first record's Kafka timestamp: Connect leaves Debezium's records without one, so
                    // the producer stamps it at send(); a large age on arrival while the processor is caught up is
                    // time spent in the Connect worker's producer before the record reached the broker
                    events.add(new Event(at, String.format("(seen by the tracer) %s appliedThrough %d, committed %d,"
                            + " batch in hand %s, end %d%s", p.tp, now[0], now[1], now[2] == 1, now[3],
                            brokerTs >= 0 && (before == null || before[4] != brokerTs)
                                    ? ", batch's Kafka timestamp " + (at / 1_000_000 - brokerTs) + " ms old"
                                    + (p.inFlightSourceNanos > 0 ? ", its oldest change committed "
                                            + (at - p.inFlightSourceNanos) / 1_000_000 + " ms ago" : "") : "")));
                }
            }
            Thread.sleep(2);
        }
        return null;
    }

    private static void closeQuietly(java.sql.Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (java.sql.SQLException ignored) {
                // a sampler connection: nothing to do
            }
        }
    }

    private static final String[] STAGES = {CdcEventProcessor.STAGE_SOURCE_TO_CONNECTOR,
        CdcEventProcessor.STAGE_CONNECTOR_TO_BROKER, CdcEventProcessor.STAGE_BROKER_TO_CONSUMER};

    /**
     * The processor's stage timers ({@code cdc_stage_latency}) so far: count and total ms of each of
     * {@link #STAGES}, so a phase's mean per stage is the difference between its first and last sample: source
     * commit → the connector's event ({@code ts_ms} of the envelope), → the Kafka timestamp, → consumed.
     */
    private static double[] stageTotals(LagPipeline pipe) {
        double[] t = new double[STAGES.length * 2];
        for (int i = 0; i < STAGES.length; i++) {
            io.micrometer.core.instrument.Timer timer = pipe.registry.find("cdc.stage.latency").tag("stage", STAGES[i])
                    .timer();
            if (timer != null) {
                t[2 * i] = timer.count();
                t[2 * i + 1] = timer.totalTime(java.util.concurrent.TimeUnit.MILLISECONDS);
            }
        }
        return t;
    }

    /** Mean ms per stage between the phase's first and last sample, "a / b / c". */
    private static String stageMeans(List<Sample> l) {
        double[] a = l.get(0).stages();
        double[] b = l.get(l.size() - 1).stages();
        StringBuilder r = new StringBuilder();
        for (int i = 0; i < STAGES.length; i++) {
            double n = b[2 * i] - a[2 * i];
            r.append(i == 0 ? "" : " / ")
                    .append(n > 0 ? String.format("%.0f", (b[2 * i + 1] - a[2 * i + 1]) / n) : "-");
        }
        return r.toString();
    }

    /** Logs every GC pause with its start and duration (JVM notifications). */
    private void listenToGc() {
        long jvmStart = java.lang.management.ManagementFactory.getRuntimeMXBean().getStartTime();
        for (java.lang.management.GarbageCollectorMXBean gc
                : java.lang.management.ManagementFactory.getGarbageCollectorMXBeans()) {
            if (gc instanceof javax.management.NotificationEmitter emitter) {
                emitter.addNotificationListener((n, h) -> {
                    if (!com.sun.management.GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION
                            .equals(n.getType())) {
                        return;
                    }
                    var info = com.sun.management.GarbageCollectionNotificationInfo.from(
                            (javax.management.openmbean.CompositeData) n.getUserData());
                    long startMs = jvmStart + info.getGcInfo().getStartTime();
                    events.add(new Event(startMs * 1_000_000L, "GC " + info.getGcName() + " (" + info.getGcAction()
                            + ", " + info.getGcCause() + ") " + info.getGcInfo().getDuration() + " ms"));
                }, null, null);
            }
        }
    }

    private static long gcCount() {
        long n = 0;
        for (var gc : java.lang.management.ManagementFactory.getGarbageCollectorMXBeans()) {
            n += Math.max(0, gc.getCollectionCount());
        }
        return n;
    }

    private static long gcMs() {
        long n = 0;
        for (var gc : java.lang.management.ManagementFactory.getGarbageCollectorMXBeans()) {
            n += Math.max(0, gc.getCollectionTime());
        }
        return n;
    }

    private void run(LagPipeline pipe, ExecutorService pool, String r) throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong everyMicros = new AtomicLong(10_000);
        Future<?> writer = pool.submit(() -> {
            // one connection, autocommit: each INSERT is its own transaction, as before; a connection per INSERT (a
            // new PostgreSQL backend each) held the writer to 10-15 rows/s instead of 100-200 on a slow, loaded
            // machine, so the phases ran another workload than they name (the report prints the rate written)
            try (java.sql.Connection c = pipe.env.source().getConnection();
                 java.sql.Statement st = c.createStatement()) {
                while (!stop.get()) {
                    long t = System.nanoTime();
                    long id = nextId.getAndIncrement();
                    pipe.sourceEvents.addAndGet(st.executeUpdate("INSERT INTO " + pipe.table + " VALUES (" + id
                            + ", 'v', 1)"));
                    long left = everyMicros.get() - (System.nanoTime() - t) / 1000;
                    if (left > 0) {
                        Thread.sleep(left / 1000, (int) (left % 1000) * 1000);
                    }
                }
            }
            return null;
        });
        boolean writes = phases.contains("steady") || phases.contains("backlog") || phases.contains("slow");
        if (!writes) {
            stop.set(true);
            writer.get();
        }
        if (phases.contains("steady")) {
            phase = r + "1-steady";
            Thread.sleep(15_000);
        }
        if (phases.contains("backlog")) {
            phase = r + "2-backlog";
            pipe.blocked = true;
            Thread.sleep(8_000);
            pipe.blocked = false;
            Thread.sleep(7_000);
        }
        if (phases.contains("slow")) {
            phase = r + "3-slow-target";
            pipe.delayPerRowMicros = 10_000;
            everyMicros.set(5_000);
            Thread.sleep(10_000);
            pipe.delayPerRowMicros = 0;
            everyMicros.set(10_000);
            Thread.sleep(5_000);
        }
        stop.set(true);
        writer.get();
        if (phases.contains("bulk")) {
            phase = r + "4-bulk-50k";
            long from = nextId.getAndAdd(50_000);
            pipe.write("INSERT INTO " + pipe.table + " SELECT g, 'bulk', 2 FROM generate_series(" + from + ", "
                    + (from + 49_999) + ") g");
            // 120 s was short under load average ~25 (one 50k-row round took longer); -DbulkTimeoutS=...
            Await.until(Duration.ofSeconds(Long.getLong("bulkTimeoutS", 300)), "bulk applied",
                    () -> pipe.targetMaxId() >= from + 49_999);
            Thread.sleep(2_000);
        }
        if (phases.contains("idle")) {
            phase = r + "5-idle";
            Thread.sleep(20_000);
        } else {
            phase = r + "6-gap";
            Thread.sleep(1_000);
        }
    }
}
