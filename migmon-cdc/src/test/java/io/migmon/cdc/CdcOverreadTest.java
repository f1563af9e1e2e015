package io.migmon.cdc;

import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The backlog phase's unexplained over-read of {@code LagAccuracyBenchmark} (docs/cdc.md "Accuracy (measured)",
 * 2026-11-27 quiet re-measure: gauge 7.77 s at a truth of 2.47 s during the recovery, once in 9 rounds), at unit
 * level. A source writes one single-row transaction of {@code public.orders} every 100 ms (its change, then its
 * transaction {@code END}) and a heartbeat every 250 ms, each to its own Kafka log with its own offsets, written
 * the moment it happens (no capture latency: the truth is the processor's alone). The processor (heartbeats every
 * 250 ms, as the benchmark) runs settled, is paused 8 s, then catches up one partition per poll in an order the
 * scenario gives (the consumer returns up to {@code max.poll.records} of one partition before another, so the
 * transaction and heartbeat topics trail, or lead, the data by whole polls). With {@code probe}, the lag probe's end
 * offsets are set before every read (what the broker has), as the poll loop's probe does; without, only
 * {@code process(...)} (no end offsets). The applier returns at once, so the truth is now − commit time of the
 * oldest change committed and not processed yet (0 when none). Every 50 ms: the overall and {@code orders} gauges
 * against it.
 *
 * <p>Results (2026-11-28, main 8e89e88): the candidate named in docs/cdc.md (an {@code END} consumed after its
 * change was applied, so the hold or the heartbeat rule reads the transaction's commit age) does not reproduce: in
 * 108 consumption orders (data, {@code END}s and heartbeats in every order, 500 or 20 records a poll, heartbeats read
 * on the side during the pause or not, end offsets fresh, every 250 ms or none, as a group consumer or through
 * {@code process(...)}) no read is over the truth by more than 0.1 s; an idle second table beside the backlog holds
 * too. An {@code END} after its change finds it among the last 4,096 transactions seen and holds nothing; one before
 * it holds only until the change is observed ({@code begin}, before the apply), while the truth is at least as old.
 * What gives the sample's numbers is finding 1 (the batch in hand committed by the target before {@code apply}
 * returns: over-read = the batch's source-time span, 5 s for 500 records at ~100 rows/s). Findings 2 and 3 are of
 * {@code process(...)} with Kafka records (no end offsets, partitions not known), finding 4 of the poll loop's
 * side consumer (heartbeats ahead of data the lag probe has not seen: under-read up to the lag refresh interval).
 *
 * <p>Decided 2026-11-28 (docs/decisions.md CDC "Overread findings"): finding 4 fixed (a heartbeat confirms a
 * partition whose end offsets are read only through an end offset requested after its arrival showing it caught up:
 * an over-read of at most the lag refresh interval instead); findings 2 and 3 documented limits of a
 * {@code process(...)} host that gives no end offsets ({@link CdcEventProcessor#endOffset}) or declares no partitions
 * ({@link CdcEventProcessor#partitionsAssigned}), each pinned at its bound beside a test of its remedy; the
 * {@code HOST} probe mode runs the whole survey through the host's end offsets.
 */
class CdcOverreadTest extends ShopProcessorHarness {

    static final Duration HB = Duration.ofMillis(250);
    static final String DATA = "shop.public.orders";
    static final String TX = "shop.transaction";
    static final String BEATS = "__debezium-heartbeat.shop";
    /** A second table, written once while settled and idle after (see {@link #customers}). */
    static final String DATA2 = "shop.public.customers";

    /**
     * Whether the processor is a group consumer's (never started: records still come through {@code process(...)}),
     * with partition 0 of the data and transaction topics assigned as the poll loop's rebalance callback does: the
     * topics' partitions are then known ({@code TransactionEnds.Owner#partitions}) and an {@code END} written after
     * the assignment is live (not a redelivery).
     */
    boolean group;
    /** Whether a second table, customers, is written once while settled and read against its own truth (0 after). */
    boolean customers;
    /**
     * Whether the {@code process(...)} host declares its partitions (data, transaction and heartbeat topics'
     * partition 0) through {@link CdcEventProcessor#partitionsAssigned}, as its rebalance listener would.
     */
    boolean declare;

    CdcEventProcessor processor250() {
        CdcEventProcessor.Builder b = CdcEventProcessor.builder().meterRegistry(registry).clock(clock)
                .applier(batch -> { }).heartbeatInterval(HB).monotonicClock(this::monotonicNanos);
        if (!group) {
            CdcEventProcessor p = b.build();
            if (declare) {
                p.partitionsAssigned(List.of(new TopicPartition(DATA, 0), new TopicPartition(TX, 0),
                        new TopicPartition(BEATS, 0)));
            }
            return p;
        }
        CdcEventProcessor p = b.kafkaConsumer(Map.of("bootstrap.servers", "127.0.0.1:9", "group.id", "overread"))
                .topics(DATA, BEATS, TX).build();
        p.pipeline().assigned(List.of(new TopicPartition(DATA, 0), new TopicPartition(TX, 0)), java.util.Set.of(DATA,
                TX));
        return p;
    }

    /** The source and the broker: one log per topic (offset = index), the commits not processed yet. */
    final class Source {
        final Map<String, List<CdcRecord>> logs = new HashMap<>();
        final Map<String, Integer> read = new HashMap<>();
        /** The oldest a transaction record was when it was read, ms (how far the transaction topic trails). */
        long endsTrailMs;
        /** id → commit ms of the changes committed and not processed yet. */
        final TreeMap<Integer, Long> unapplied = new TreeMap<>();
        final Map<Integer, Long> commitOf = new HashMap<>();
        int nextId = 1;
        long nextCommitMs;
        long nextBeatMs;
        boolean writing = true;
        /** Source time between two transactions. */
        long everyMs = 100;

        Source(long startMs) {
            nextCommitMs = startMs;
            nextBeatMs = startMs;
            for (String t : List.of(DATA, DATA2, TX, BEATS)) {
                logs.put(t, new ArrayList<>());
                read.put(t, 0);
            }
        }

        private void append(String topic, long tsMs, String key, String value) {
            List<CdcRecord> log = logs.get(topic);
            log.add(CdcRecord.of(topic, 0, log.size(), tsMs, key == null ? null : key.getBytes(StandardCharsets.UTF_8),
                    value.getBytes(StandardCharsets.UTF_8)));
        }

        /** Everything the source did up to {@code nowMs}, in time order (at a tie the change first). */
        void writeUntil(long nowMs) {
            while (writing && nextCommitMs <= nowMs || nextBeatMs <= nowMs) {
                if (writing && nextCommitMs <= nextBeatMs) {
                    int id = nextId++;
                    long c = nextCommitMs;
                    // Debezium PostgreSQL: xid:lsn, each change its own lsn, the END another
                    String xid = Integer.toString(10_000 + id);
                    append(TX, c, "{\"id\":\"" + xid + "\"}", "{\"status\":\"BEGIN\",\"id\":\"" + xid + ":"
                            + (100 * id - 50) + "\",\"event_count\":null,\"data_collections\":null,\"ts_ms\":" + c
                            + "}");
                    append(DATA, c, "{\"id\":" + id + "}", change("orders", id, c, xid + ":" + (100 * id), 1));
                    append(TX, c, "{\"id\":\"" + xid + ":" + (100 * id + 50) + "\"}", "{\"status\":\"END\",\"id\":\""
                            + xid + ":" + (100 * id + 50) + "\",\"event_count\":1,\"data_collections\":["
                            + "{\"data_collection\":\"public.orders\",\"event_count\":1}],\"ts_ms\":" + c + "}");
                    unapplied.put(id, c);
                    commitOf.put(id, c);
                    nextCommitMs += everyMs;
                } else {
                    append(BEATS, nextBeatMs, "{\"serverName\":\"shop\"}", "{\"ts_ms\":" + nextBeatMs + "}");
                    nextBeatMs += 250;
                }
            }
        }

        /** id → commit ms of the customers changes not processed yet. */
        final TreeMap<Integer, Long> customersUnapplied = new TreeMap<>();

        /** One change of customers in its own transaction, committed now. */
        void writeCustomer(long nowMs) {
            int id = 900_000 + nextId++;
            String xid = Integer.toString(10_000 + id);
            append(TX, nowMs, "{\"id\":\"" + xid + "\"}", "{\"status\":\"BEGIN\",\"id\":\"" + xid
                    + "\",\"event_count\":null,\"data_collections\":null,\"ts_ms\":" + nowMs + "}");
            append(DATA2, nowMs, "{\"id\":" + id + "}", change("customers", id, nowMs, xid + ":1", 1));
            append(TX, nowMs, "{\"id\":\"" + xid + "\"}", "{\"status\":\"END\",\"id\":\"" + xid
                    + "\",\"event_count\":1,\"data_collections\":[{\"data_collection\":\"public.customers\","
                    + "\"event_count\":1}],\"ts_ms\":" + nowMs + "}");
            customersUnapplied.put(id, nowMs);
        }

        double customersTruth(long nowMs) {
            return customersUnapplied.isEmpty() ? 0 : (nowMs - customersUnapplied.firstEntry().getValue()) / 1e3;
        }

        int waiting(String topic) {
            return logs.get(topic).size() - read.get(topic);
        }

        /** The next up to {@code max} records of {@code topic}, marked read; their changes processed. */
        List<CdcRecord> poll(String topic, int max) {
            List<CdcRecord> log = logs.get(topic);
            int from = read.get(topic);
            int to = Math.min(log.size(), from + max);
            read.put(topic, to);
            List<CdcRecord> batch = new ArrayList<>(log.subList(from, to));
            if (topic.equals(TX)) {
                for (CdcRecord r : batch) {
                    // how far the END topic trails: the age of each END (its commit) when it is read
                    endsTrailMs = Math.max(endsTrailMs, clock.millis() - r.timestampMs());
                }
            }
            return batch;
        }

        void applied(List<CdcRecord> batch) {
            for (CdcRecord r : batch) {
                if (r.topic().equals(DATA) || r.topic().equals(DATA2)) {
                    String k = new String(r.key(), StandardCharsets.UTF_8);
                    int id = Integer.parseInt(k.replaceAll("[^0-9]", ""));
                    (r.topic().equals(DATA) ? unapplied : customersUnapplied).remove(id);
                }
            }
        }

        double truth(long nowMs) {
            return unapplied.isEmpty() ? 0 : (nowMs - unapplied.firstEntry().getValue()) / 1e3;
        }

        /** A {@code process(...)} host: every partition's end offset as the broker has it now, through the API. */
        void hostEnds(CdcEventProcessor p, long nowMs) {
            for (String t : List.of(DATA, DATA2, TX, BEATS)) {
                if (!logs.get(t).isEmpty()) {
                    p.endOffset(t, 0, logs.get(t).size(), java.time.Instant.ofEpochMilli(nowMs));
                }
            }
        }

        /** The lag probe: every partition's end offset as the broker has it now. */
        void probe(CdcEventProcessor p, long nowMs) {
            for (String t : List.of(DATA, DATA2, TX, BEATS)) {
                if (logs.get(t).isEmpty()) {
                    continue; // a topic the source never wrote to is not among the processor's partitions
                }
                PartitionProgress pp = p.progress().partition(new TopicPartition(t, 0));
                pp.end(logs.get(t).size(), nowMs);
                pp.endReadMs = nowMs;
                long at = pp.committed;
                if (t.equals(DATA) && at >= 0 && at < logs.get(t).size()) {
                    // the probe reads the record at the applied-and-committed offset: its Kafka and source time
                    CdcRecord r = logs.get(t).get((int) at);
                    int id = Integer.parseInt(new String(r.key(), StandardCharsets.UTF_8).replaceAll("[^0-9]", ""));
                    pp.peeked(at, r.timestampMs(), commitOf.get(id) * 1_000_000L);
                }
            }
        }
    }

    /** The worst reads of one run. */
    static final class Worst {
        double over;
        String overAt = "";
        double under;
        String underAt = "";
        int reads;
        int overReads;
        int underReads;
        /** How far the transaction topic trailed (see {@code Source#endsTrailMs}), ms. */
        long endsTrailMs;
        /** Holds opened for a forgotten transaction's {@code END} ({@code TransactionEnds#forgottenHolds}). */
        long forgottenHolds;

        void add(String what, double read, double truth, String at) {
            reads++;
            double err = read - truth;
            if (err > 0.25) {
                overReads++;
            }
            if (err < -0.001) {
                underReads++;
            }
            if (err > over) {
                over = err;
                overAt = String.format("%s %.3f at truth %.3f (%s)", what, read, truth, at);
            }
            if (-err > under) {
                under = -err;
                underAt = String.format("%s %.3f at truth %.3f (%s)", what, read, truth, at);
            }
        }

        @Override
        public String toString() {
            return String.format("over %.3f s [%s] (%d reads > 250 ms); under %.3f s [%s] (%d reads); %d reads; ENDs"
                    + " trailed up to %d ms; %d forgotten holds", over, overAt, overReads, under, underAt, underReads,
                    reads, endsTrailMs, forgottenHolds);
        }
    }

    /**
     * Settled 2 s (each 100 ms: data, END, heartbeats consumed), paused {@code pauseMs}, then recovery for 6 s: every
     * 50 ms one poll of the first partition of {@code order} with records waiting (data up to {@code dataMax}, the
     * others up to 500), the gauges read before and after it.
     */
    /** How the lag probe's end offsets are known: never (process(...) only), before every read, every 250 ms. */
    enum Probe {
        NONE, FRESH, PERIODIC,
        /**
         * A {@code process(...)} host giving the end offsets it read through the public
         * {@link CdcEventProcessor#endOffset} every 250 ms (no peek of the oldest record, unlike the lag probe).
         */
        HOST
    }

    Worst run(List<String> order, int max, Probe probeMode, long pauseMs, StringBuilder trace) {
        return run(order, max, probeMode, pauseMs, false, trace);
    }

    /** @param sideBeats heartbeats read during the pause too (the side consumer, every 100 ms) */
    Worst run(List<String> order, int max, Probe probeMode, long pauseMs, boolean sideBeats, StringBuilder trace) {
        return run(order, false, 100, 6_000, max, probeMode, pauseMs, sideBeats, trace);
    }

    /**
     * @param cycle   {@code order} is a cycle: each step polls its next partition (when it has records), not the
     *                first with records waiting
     * @param everyMs source time between two transactions
     */
    Worst run(List<String> order, boolean cycle, long everyMs, long recoveryMs, int max, Probe probeMode, long pauseMs,
              boolean sideBeats, StringBuilder trace) {
        int[] step = {0};
        boolean probe = probeMode != Probe.NONE;
        long[] lastProbe = {-1_000_000L};
        Worst w = new Worst();
        try (CdcEventProcessor p = processor250()) {
            Source s = new Source(clock.millis());
            s.everyMs = everyMs;
            // settled
            for (int i = 0; i < 20; i++) {
                clock.advance(Duration.ofMillis(100));
                s.writeUntil(clock.millis());
                if (customers && i == 5) {
                    s.writeCustomer(clock.millis() - 30);
                }
                for (String t : List.of(DATA, DATA2, TX, BEATS)) {
                    List<CdcRecord> b = s.poll(t, 500);
                    if (!b.isEmpty()) {
                        p.process(b);
                        s.applied(b);
                    }
                }
                if (probeMode == Probe.HOST) {
                    s.hostEnds(p, clock.millis());
                } else if (probe) {
                    s.probe(p, clock.millis());
                }
            }
            long pauseEnd = clock.millis() + pauseMs;
            while (clock.millis() < pauseEnd) {
                clock.advance(Duration.ofMillis(50));
                s.writeUntil(clock.millis());
                maybeProbe(probeMode, s, p, lastProbe);
                if (sideBeats && clock.millis() % 100 == 0 && s.waiting(BEATS) > 0) {
                    p.process(s.poll(BEATS, 500));
                }
                read(p, s, w, "pause", trace);
            }
            long end = clock.millis() + recoveryMs;
            while (clock.millis() < end) {
                clock.advance(Duration.ofMillis(50));
                s.writeUntil(clock.millis());
                maybeProbe(probeMode, s, p, lastProbe);
                read(p, s, w, "before poll", trace);
                List<String> candidates = cycle ? List.of(order.get(step[0]++ % order.size())) : order;
                for (String t : candidates) {
                    if (s.waiting(t) > 0) {
                        List<CdcRecord> b = s.poll(t, max);
                        p.process(b);
                        s.applied(b);
                        maybeProbe(probeMode, s, p, lastProbe);
                        read(p, s, w, "after " + b.size() + " of " + t, trace);
                        break;
                    }
                }
            }
            w.endsTrailMs = s.endsTrailMs;
            w.forgottenHolds = p.pipeline().ends == null ? 0 : p.pipeline().ends.forgottenHolds();
        }
        return w;
    }

    private void maybeProbe(Probe mode, Source s, CdcEventProcessor p, long[] last) {
        if (mode == Probe.HOST && clock.millis() - last[0] >= 250) {
            s.hostEnds(p, clock.millis());
            last[0] = clock.millis();
        } else if (mode == Probe.FRESH || mode == Probe.PERIODIC && clock.millis() - last[0] >= 250) {
            s.probe(p, clock.millis());
            last[0] = clock.millis();
        }
    }

    private void read(CdcEventProcessor p, Source s, Worst w, String at, StringBuilder trace) {
        double truth = s.truth(clock.millis());
        double overall = overall();
        double table = lag("orders");
        String when = at + ", t=" + (clock.millis() % 100_000);
        w.add("overall", overall, truth, when);
        w.add("orders", table, truth, when);
        if (customers) {
            w.add("customers", lag("customers"), s.customersTruth(clock.millis()), when);
        }
        if (trace != null) {
            trace.append(String.format("%s truth %.3f overall %.3f orders %.3f%n", when, truth, overall, table));
        }
    }

    /**
     * A large backlog whose transaction topic trails the data by more than {@value TransactionEnds#MAX_RECENT}
     * transactions: 1,000 single-row transactions a second (one every ms) written through the 8 s pause and on, the
     * consumer draining the data partition four polls for every one of the transaction topic (500 records each;
     * BEGIN and END are two records per transaction: 250 transactions of {@code END}s a poll), heartbeats read on the
     * side during the pause, the lag probe every 250 ms; 15 s of recovery. Every change is applied within a few
     * polls of its commit; its {@code END} comes 5-11 s later, when the transaction is no longer among the 4,096
     * remembered ({@code TransactionEnds.recent}).
     */
    private Worst trailingByMoreThanRemembered() {
        return run(List.of(DATA, DATA, DATA, DATA, TX, BEATS), true, 1, 15_000, 500, Probe.PERIODIC, 8_000, true,
                null);
    }

    /**
     * Held as a group consumer (the poll loop): the data topic's partitions are known (the assignment), so an
     * {@code END} whose transaction is forgotten is not held once its table's every known partition delivered a
     * later change ({@code TransactionEnds.end}: {@code newestOf(...) >= commit}): arrival order on a known
     * partition is evidence. Max over-read 1 ms, no under-read.
     */
    @Test
    void endsTrailingByMoreThanTheTransactionsRememberedHoldNothingWithKnownPartitions() {
        group = true;
        Worst w = trailingByMoreThanRemembered();
        System.out.println("TRAILING group " + w);
        assertThat(w.over).as("%s", w).isLessThanOrEqualTo(0.25);
        assertThat(w.under).as("%s", w).isZero();
    }

    /**
     * The same through {@code process(...)} with Kafka records, the host not declaring its partitions (a host
     * feeding records it consumed itself: the topics' partitions are not known). The {@code END} of a transaction
     * forgotten from {@code recent} opens a hold with nothing seen ({@code forgotten}: not trailing), released only
     * when the table's partitions are caught up (the caught-up rule) or given up after
     * {@link TransactionEnds#TRAILING_GIVE_UP_FACTOR} stall timeouts — under continuous writes the data partition has
     * records waiting at nearly every check, so the hold stays, and each later forgotten {@code END} opens another:
     * the gauge reads how far the {@code END}s trail the data while every change is applied.
     *
     * <p>Finding 3 (2026-11-28, main fbe687c: up to 11.449 s at a truth of 0.049 s, 1,134 of 1,520 reads over by
     * more than 250 ms, nothing counted) is decided a documented limit (docs/cdc.md "Lag semantics") with its remedy,
     * {@link CdcEventProcessor#partitionsAssigned} (held to the group consumer's 1 ms:
     * {@link #endsTrailingByMoreThanTheTransactionsRememberedThroughProcessDeclared}). Its bound, asserted here: an
     * over-read only (no read under the truth), at most how far the transaction topic trails (the age of an
     * {@code END} when read) plus the give-up (10 stall timeouts, 5 s at 250 ms heartbeats) plus one read step; and
     * each such hold is counted ({@code TransactionEnds#forgottenHolds}, the first logged at WARN).
     */
    @Test
    void endsTrailingByMoreThanTheTransactionsRememberedThroughProcess() {
        Worst w = trailingByMoreThanRemembered();
        System.out.println("TRAILING process " + w);
        assertThat(w.forgottenHolds).as("%s", w).isPositive();
        assertThat(w.under).as("%s", w).isZero();
        assertThat(w.over).as("%s", w).isLessThanOrEqualTo(w.endsTrailMs / 1e3
                + TransactionEnds.TRAILING_GIVE_UP_FACTOR * 2 * HB.toMillis() / 1e3 + 0.1);
    }

    /**
     * Finding 3's remedy: the {@code process(...)} host declares its partitions
     * ({@link CdcEventProcessor#partitionsAssigned}, from its rebalance listener): per-partition evidence applies as
     * for a group consumer, no hold is opened for a forgotten transaction, and no read is over the truth by more
     * than 250 ms nor under it.
     */
    @Test
    void endsTrailingByMoreThanTheTransactionsRememberedThroughProcessDeclared() {
        declare = true;
        Worst w = trailingByMoreThanRemembered();
        System.out.println("TRAILING process declared " + w);
        assertThat(w.over).as("%s", w).isLessThanOrEqualTo(0.25);
        assertThat(w.under).as("%s", w).isZero();
        assertThat(w.forgottenHolds).as("%s", w).isZero();
    }

    /**
     * A second table (customers) written once while settled, idle through the pause and the recovery, beside the
     * orders backlog; heartbeats read on the side during the pause, as the poll loop does while an apply is held;
     * the lag probe every 250 ms. Held in every order, as a group consumer or through {@code process(...)}: the idle
     * table reads its truth (0) within +0.1 s, orders and overall too. (Without heartbeats read during the pause the
     * idle table grows from the last heartbeat read, 8.15 s at a truth of 0: the documented "heartbeats stopped"
     * rule, not a lie of the ordering.)
     */
    @org.junit.jupiter.params.ParameterizedTest(name = "order {0} group {1}")
    @org.junit.jupiter.params.provider.CsvSource({"'data,ends,beats',true", "'data,beats,ends',true",
            "'beats,data,ends',true", "'ends,data,beats',true", "'beats,ends,data',true", "'ends,beats,data',true",
            "'data,ends,beats',false", "'beats,data,ends',false", "'ends,data,beats',false"})
    void anIdleTableBesideTheBacklogReadsItsTruth(String order, boolean group) {
        this.group = group;
        this.customers = true;
        Worst w = run(topics(order), false, 100, 6_000, 500, Probe.PERIODIC, 8_000, true, null);
        System.out.printf("IDLE order=%s group=%s: %s%n", order, group, w);
        assertThat(w.over).as("%s", w).isLessThanOrEqualTo(0.25);
        assertThat(w.under).as("%s", w).isZero();
    }

    static java.util.stream.Stream<org.junit.jupiter.params.provider.Arguments> cases() {
        List<org.junit.jupiter.params.provider.Arguments> a = new ArrayList<>();
        for (Probe probe : Probe.values()) { // HOST: the process(...) host's end offsets (finding 2's remedy)
            for (int max : new int[] {500, 20, -20}) {
                for (boolean group : new boolean[] {false, true}) {
                if (group && probe == Probe.HOST) {
                    continue; // a group consumer's poll loop reads its end offsets itself
                }
                for (String o : List.of("data,ends,beats", "data,beats,ends", "beats,data,ends", "ends,data,beats",
                        "beats,ends,data", "ends,beats,data")) {
                    a.add(org.junit.jupiter.params.provider.Arguments.of(o, max, probe, group));
                }
                }
            }
        }
        return a.stream();
    }

    static List<String> topics(String order) {
        List<String> l = new ArrayList<>();
        for (String n : order.split(",")) {
            l.add(n.equals("data") ? DATA : n.equals("ends") ? TX : BEATS);
        }
        return l;
    }

    /**
     * Every consumption order, with the lag probe's end offsets known as the poll loop's lag thread keeps them (fresh
     * at each read, or every 250 ms with the peek of the record at the committed offset) and, without end offsets,
     * {@code process(...)} alone. Held: no read over the truth by more than 250 ms in any of them (the worst is
     * +0.100 s, the gap between two commits: the last applied change against the next one); with end offsets no read
     * under the truth at all. The {@code END}s trailing the data by whole polls, the heartbeats read before the
     * {@code END}s, the {@code END}s before their data: none makes the hold or the heartbeat rule read a
     * transaction's commit age after its change was applied. Without end offsets, heartbeats read ahead of the
     * backlog read 0 at a truth of 8 s (see {@link #heartbeatsReadAheadOfDataNoEndOffsets}).
     */
    @org.junit.jupiter.params.ParameterizedTest(name = "{2} max {1} order {0} group {3}")
    @org.junit.jupiter.params.provider.MethodSource("cases")
    void noOverReadInAnyConsumptionOrder(String order, int max, Probe probe, boolean group) {
        this.group = group;
        Worst w = run(topics(order), Math.abs(max), probe, 8_000, max < 0, null);
        System.out.printf("SURVEY probe=%s max=%d sideBeats=%s group=%s order=%s: %s%n", probe, Math.abs(max), max < 0,
                group, order, w);
        assertThat(w.over).as("%s", w).isLessThanOrEqualTo(0.25);
        if (probe != Probe.NONE) {
            assertThat(w.under).as("%s", w).isZero();
        }
    }

    /**
     * {@code process(...)} with Kafka records and no end offsets (a host feeding records it consumed itself): the
     * heartbeats, read ahead of an 8 s backlog of data, make the processor current (idle rule: a heartbeat processed
     * after the last change, emitted after it) while 80 changes wait unread; the gauge reads 0 at a truth of 8 s until
     * the data is read. The poll loop is not affected (its lag thread knows the end offsets, see the survey); an
     * embedded engine's one stream cannot reorder. Kept as the measured bound of that path, not a regression test.
     */
    @Test
    void heartbeatsReadAheadOfDataNoEndOffsets() {
        // finding 2, decided a documented limit (docs/cdc.md "Lag semantics"): without end offsets arrival order is
        // the only evidence a process(...) host gives. Its bound: the backlog the heartbeats ran ahead of (8 s + the
        // 100 ms between two commits); the remedy is the host's end offsets (the test below)
        Worst w = run(topics("beats,data,ends"), 500, Probe.NONE, 8_000, null);
        System.out.println("FINDING2 none " + w);
        assertThat(w.under).as("%s", w).isLessThanOrEqualTo(8.1);
        assertThat(w.over).as("%s", w).isLessThanOrEqualTo(0.25);
    }

    /**
     * Finding 2's remedy: the same host gives the end offsets its consumer read
     * ({@link CdcEventProcessor#endOffset}, every 250 ms): a heartbeat confirms the data partition current only
     * through an end offset requested after it arrived that shows the partition caught up, so the heartbeats read
     * ahead of the backlog confirm nothing: no read under the truth, none over it by more than 250 ms.
     */
    @Test
    void heartbeatsReadAheadOfDataHostEndOffsets() {
        Worst w = run(topics("beats,data,ends"), 500, Probe.HOST, 8_000, null);
        System.out.println("FINDING2 host " + w);
        assertThat(w.under).as("%s", w).isZero();
        assertThat(w.over).as("%s", w).isLessThanOrEqualTo(0.25);
    }

    /**
     * The candidate this class was written for does not reproduce (see the survey); what does give the sample's
     * numbers is the batch in hand: a batch of the backlog (up to {@code max.poll.records} changes, seconds of
     * source time) is committed by the target, and until {@code apply} returns and the pipeline marks it applied
     * ({@code ChangePipeline.finish} → {@code markApplied}), the gauge reads the batch's oldest change
     * ({@code PartitionProgress.inFlightSourceNanos}) while the truth is the oldest change after it. The over-read is
     * the batch's source-time span: the first 50 of an 8 s backlog of single-row transactions 100 ms apart here
     * (4.9 s, plus the 100 ms to the next); in the benchmark's backlog (~100 rows/s, 500 records a poll) ~5 s, the
     * 5.3 s of the sample (7.77 s at a truth of 2.47 s). docs/cdc.md names this class ("an apply
     * that committed but has not returned"); this test measures it. The applier here commits, then returns 50 ms
     * later (the JDBC applier returns right after {@code commit()}; in the poll loop the poll thread then notices
     * the attempt's end and runs {@code finish}).
     */
    @org.junit.jupiter.api.Disabled("finding 1 (limit, documented): the first 50 changes of an 8 s backlog (4.9 s of"
            + " source time) committed by the target, apply not returned yet (50 ms): overall and orders 7.950 s at a"
            + " truth of 2.950 s (over-read 5.0 s = the batch's span + 100 ms); 2.950 once it returned. The poll loop's"
            + " part of this window (the poll thread's bookkeeping after the apply returned) is fixed: the apply thread"
            + " marks the batch applied when the applier returns (PollLoopTest.aBatchInTheTargetStopsCounting...);"
            + " an applier's own time between its commit and its return stays unknowable")
    @Test
    void aCommittedBatchWhoseApplyHasNotReturnedReadsItsOldestChange() throws Exception {
        java.util.concurrent.CountDownLatch committed = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.atomic.AtomicBoolean gate = new java.util.concurrent.atomic.AtomicBoolean();
        Source[] src = new Source[1];
        CdcEventProcessor p = CdcEventProcessor.builder().meterRegistry(registry).clock(clock).applier(batch -> {
            List<CdcRecord> records = new ArrayList<>();
            batch.forEach(e -> records.add(e.record()));
            synchronized (src) {
                src[0].applied(records); // the target's commit
            }
            if (gate.get()) {
                committed.countDown();
                release.await();
            }
        }).heartbeatInterval(HB).monotonicClock(this::monotonicNanos).build();
        try (p) {
            Source s = new Source(clock.millis());
            src[0] = s;
            for (int i = 0; i < 20; i++) {
                clock.advance(Duration.ofMillis(100));
                s.writeUntil(clock.millis());
                for (String t : List.of(DATA, TX, BEATS)) {
                    List<CdcRecord> b = s.poll(t, 500);
                    if (!b.isEmpty()) {
                        p.process(b);
                    }
                }
                s.probe(p, clock.millis());
            }
            // paused 8 s (80 transactions), then the first 50 of the backlog in one poll (max.poll.records)
            clock.advance(Duration.ofMillis(8_000));
            s.writeUntil(clock.millis() - 1);
            s.probe(p, clock.millis());
            double before = overall();
            double truthBefore;
            synchronized (src) {
                truthBefore = s.truth(clock.millis());
            }
            assertThat(before).as("the backlog waits").isCloseTo(truthBefore, org.assertj.core.api.Assertions.within(0.11));
            gate.set(true);
            List<CdcRecord> backlog = s.poll(DATA, 50);
            Thread apply = new Thread(() -> p.process(backlog));
            apply.start();
            committed.await();
            clock.advance(Duration.ofMillis(50));
            double truth;
            synchronized (src) {
                truth = s.truth(clock.millis());
            }
            double overall = overall();
            double table = lag("orders");
            release.countDown();
            apply.join(10_000);
            s.probe(p, clock.millis());
            System.out.printf("FINDING1 %d changes spanning %.1f s committed, apply not returned: overall %.3f orders"
                    + " %.3f truth %.3f; after the return overall %.3f%n", backlog.size(),
                    (backlog.size() - 1) * 0.1, overall, table, truth, overall());
            assertThat(overall - truth).as("overall over the truth").isLessThanOrEqualTo(0.25);
            assertThat(table - truth).as("orders over the truth").isLessThanOrEqualTo(0.25);
        }
    }

    /**
     * The poll loop's own window of the heartbeats-ahead case: settled (everything read, the lag probe's end offsets
     * fresh), a change is committed and written to the data topic 10 ms after the probe's read; a heartbeat emitted
     * 50 ms after the change is read by the side consumer at once (the side consumer reads the heartbeat topic
     * outside the group, ahead of the data by design); the data partition is not polled yet and the next probe read
     * is 250 ms after the last. The idle rule ({@code ProgressTracker.idleStalenessSeconds}: a heartbeat processed
     * after the partition's last change and emitted after it, heartbeats flowing) reads 0 while the change waits
     * unread: the heartbeat's arrival order against the data partition is taken as evidence, across two topics.
     * Bounded by the lag refresh interval (the probe's next read of the end offsets, or the next fetch of the data
     * partition), so under 250 ms here, beside the documented capture latency, which it adds to.
     */
    @Test
    void aHeartbeatReadAheadOfAChangeTheProbeHasNotSeenConfirmsIt() {
        group = true;
        try (CdcEventProcessor p = processor250()) {
            Source s = new Source(clock.millis());
            for (int i = 0; i < 20; i++) {
                clock.advance(Duration.ofMillis(100));
                s.writeUntil(clock.millis());
                for (String t : List.of(DATA, TX, BEATS)) {
                    List<CdcRecord> b = s.poll(t, 500);
                    if (!b.isEmpty()) {
                        p.process(b);
                        s.applied(b);
                    }
                }
                s.probe(p, clock.millis());
            }
            assertThat(overall()).as("settled").isZero();
            s.writing = false;
            long t0 = clock.millis();
            clock.advance(Duration.ofMillis(10));
            s.writing = true;
            s.nextCommitMs = clock.millis();
            s.nextBeatMs = Long.MAX_VALUE;
            s.writeUntil(clock.millis()); // the change (and its BEGIN/END) at t0 + 10
            s.writing = false;
            clock.advance(Duration.ofMillis(50));
            s.nextBeatMs = clock.millis();
            s.writeUntil(clock.millis()); // the heartbeat at t0 + 60
            p.process(s.poll(BEATS, 500));
            List<String> reads = new ArrayList<>();
            for (long at : new long[] {60, 240}) {
                clock.advance(Duration.ofMillis(at - (clock.millis() - t0)));
                reads.add(String.format("t0+%d: overall %.3f orders %.3f truth %.3f", at, overall(), lag("orders"),
                        s.truth(clock.millis())));
            }
            clock.advance(Duration.ofMillis(10));
            s.probe(p, clock.millis());
            reads.add(String.format("t0+250 after the probe: overall %.3f orders %.3f truth %.3f", overall(),
                    lag("orders"), s.truth(clock.millis())));
            System.out.println("FINDING4 " + reads);
            // finding 4 (2026-11-28, main fbe687c: 0.000 at truths of 0.050 and 0.230 s) fixed: the heartbeat is
            // pending until an end offset requested after its arrival shows the partition caught up; until then the
            // last proven confirmation (the heartbeat at t0, proven by the probe at t0) is the watermark: an
            // over-read of the 10 ms between it and the change's commit, never an under-read
            assertThat(reads.get(0)).isEqualTo("t0+60: overall 0.060 orders 0.060 truth 0.050");
            assertThat(reads.get(1)).isEqualTo("t0+240: overall 0.240 orders 0.240 truth 0.230");
            assertThat(reads.get(2)).isEqualTo("t0+250 after the probe: overall 0.240 orders 0.240 truth 0.240");
        }
    }

    /**
     * The {@code process(...)} host's API fails fast: null or negative arguments name the argument, and a processor
     * running its own consumer (its poll loop reads end offsets and declares partitions) refuses the calls.
     */
    @Test
    void hostApiValidatesItsArguments() {
        try (CdcEventProcessor p = processor250()) {
            java.time.Instant now = clock.instant();
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> p.endOffset(null, 0, 1, now))
                    .isInstanceOf(NullPointerException.class).hasMessageContaining("topic");
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> p.endOffset(DATA, 0, 1, null))
                    .isInstanceOf(NullPointerException.class).hasMessageContaining("requestedAt");
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> p.endOffset(DATA, -1, 1, now))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("partition");
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> p.endOffset(DATA, 0, -1, now))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("endOffset");
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> p.partitionsAssigned(null))
                    .isInstanceOf(NullPointerException.class).hasMessageContaining("partitions");
            List<TopicPartition> withNull = new ArrayList<>();
            withNull.add(null);
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> p.partitionsRevoked(withNull))
                    .isInstanceOf(NullPointerException.class).hasMessageContaining("partitions");
            p.endOffset(DATA, 0, 0, now); // valid
        }
        group = true;
        try (CdcEventProcessor p = processor250()) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> p.endOffset(DATA, 0, 1, clock.instant()))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("kafkaConsumer");
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> p.partitionsAssigned(
                    List.of(new TopicPartition(DATA, 0)))).isInstanceOf(IllegalStateException.class);
        }
        group = false;
        CdcEventProcessor closed = processor250();
        closed.close();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> closed.endOffset(DATA, 0, 1, clock.instant()))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    }
}
