package io.migmon.cdc;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migmon.cdc.event.ChangeEvent;
import io.migmon.cdc.spi.RetriableApplyException;
import io.migmon.core.health.Health;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Attack 6 (issue 11) on a real {@link CdcEventProcessor} and an own in-process KRaft broker (harness copied from
 * {@code CdcAttack5IT}): close() during retries and isolation over several partitions, counting across a rewind,
 * the DLQ's contents. A test producer writes Debezium 3.6.1-shaped envelopes; the applier records what it gets
 * (ground truth: what the producer sent, what reached the applier, what the DLQ topic holds, the group's committed
 * offsets). Every finding still open is {@code @Disabled} with its number.
 */
class CdcAttack6IT {

    private static HandMadeKafka kafka;
    private static KafkaProducer<byte[], byte[]> producer;
    private static final ExecutorService threads = Executors.newCachedThreadPool();

    /** Started by the first test that runs (a class whose tests are all disabled starts nothing). */
    static synchronized void setUp() throws Exception {
        if (kafka != null) {
            return;
        }
        kafka = HandMadeKafka.start("att6");
        producer = kafka.producer();
    }

    @AfterAll
    static void tearDown() throws Exception {
        threads.shutdownNow();
        if (kafka != null) {
            kafka.close();
        }
    }

    private static String change(String prefix, String table, long id, long commitMs) {
        return "{\"before\":null,\"after\":{\"id\":" + id + "},\"source\":{\"version\":\"3.6.1.Final\",\"connector\":"
                + "\"postgresql\",\"name\":\"" + prefix + "\",\"ts_ms\":" + commitMs + ",\"ts_us\":" + commitMs * 1000
                + ",\"snapshot\":\"false\",\"db\":\"postgres\",\"schema\":\"public\",\"table\":\"" + table
                + "\"},\"op\":\"c\",\"ts_ms\":" + commitMs + "}";
    }

    /**
     * A batch of 20 changes with one poison (id 5: the target rejects it, a plain exception) is retried, then isolated
     * one by one; during the isolation the target fails once with {@link RetriableApplyException} (at id 8: a
     * connection lost), so the batch is redelivered whole and goes through retries and isolation again. Truth: 19
     * good changes in the target (ids 1-4 applied twice: idempotent), id 5 rejected. Expected: the DLQ topic holds id
     * 5 once; {@code cdc_events_processed_total} = 19 (each event once when applied, issue 11 "Counting"); the rewind's
     * second deliveries in {@code cdc_events_redelivered_total}.
     */
    @Test
    void aRewindDuringIsolationCountsEachEventOnceAndDeadLettersOnce() throws Exception {
        setUp();
        String prefix = "rw";
        String data = prefix + ".public.orders";
        String dlq = prefix + ".dlq";
        kafka.createTopics(1, data, dlq, "__debezium-heartbeat." + prefix);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        List<Long> applied = new CopyOnWriteArrayList<>();
        AtomicBoolean failedOnce = new AtomicBoolean();
        Map<String, Object> c = new HashMap<>();
        c.put("bootstrap.servers", kafka.bootstrapServers());
        c.put("group.id", prefix + "-g");
        c.put("auto.offset.reset", "earliest");
        CdcEventProcessor p = CdcEventProcessor.builder(prefix).meterRegistry(registry).kafkaConsumer(c)
                .kafkaProducer(Map.of("bootstrap.servers", kafka.bootstrapServers()))
                .topics(data).deadLetterTopic(dlq).applyRetries(1).retryBackoff(Duration.ofMillis(100))
                .applier(batch -> {
                    if (batch.stream().anyMatch(e -> id(e) == 5)) {
                        throw new IllegalStateException("duplicate key value violates unique constraint");
                    }
                    if (batch.size() == 1 && id(batch.get(0)) == 8 && failedOnce.compareAndSet(false, true)) {
                        throw new RetriableApplyException("connection lost", null);
                    }
                    batch.forEach(e -> applied.add(id(e)));
                }).pollTimeout(Duration.ofMillis(100)).build();
        Future<?> loop = threads.submit(p);
        try {
            long now = System.currentTimeMillis();
            for (int i = 1; i <= 20; i++) {
                kafka.send(data, 0, "{\"id\":" + i + "}", change(prefix, "orders", i, now));
            }
            producer.flush();
            Await.until(Duration.ofSeconds(40), "19 distinct applied",
                    () -> applied.stream().distinct().count() == 19);
            Await.until(Duration.ofSeconds(20), "DLQ written", () -> !deadLetters(dlq).isEmpty());
            Thread.sleep(1_000);
            List<String> dl = deadLetters(dlq);
            String state = "applier calls applied " + applied.size() + " events (" + applied.stream().distinct().count()
                    + " distinct), rewind happened: " + failedOnce.get() + "; DLQ " + dl + "; processed_total "
                    + processed(registry) + ", redelivered_total " + redelivered(registry) + ", deadLettered "
                    + p.deadLettered();
            System.out.println("[attack6] " + state);
            assertThat(failedOnce.get()).as(state).isTrue();
            assertThat(dl).as(state).containsExactly("{\"id\":5}");
            assertThat(processed(registry)).as(state).isEqualTo(19.0);
        } finally {
            p.close();
            loop.get(30, TimeUnit.SECONDS);
        }
    }

    /**
     * close() during a long isolation over 4 partitions: 200 changes (50 per partition, partition = id % 4), ids
     * divisible by 25 rejected by the target (a plain exception: 2 per partition), each apply call 100 ms, 3 retries
     * 500 ms apart, then one-by-one isolation (~5 s per partition). close() 4 s in. Truth: what the applier got
     * (recorded per call with the time), the group's committed offsets, the DLQ topic. Expected: close() returns
     * within its timeout; no apply call starts after close() returned; below each committed offset every good change
     * was applied by this processor and every poison one is in the DLQ; a second processor in the group then applies
     * every good change (192 distinct) and the DLQ holds each of the 8 poison changes exactly once.
     */
    @Test
    void closeDuringIsolationOverFourPartitionsLosesNothingAndDeadLettersOnce() throws Exception {
        setUp();
        String prefix = "cl";
        String data = prefix + ".public.orders";
        String dlq = prefix + ".dlq";
        kafka.createTopics(4, data);
        kafka.createTopics(1, dlq);
        String group = prefix + "-g";
        Map<Long, Integer> partitionOf = new ConcurrentHashMap<>();
        Map<Long, Long> p1Applied = new ConcurrentHashMap<>();
        AtomicLong closedAt = new AtomicLong(Long.MAX_VALUE);
        AtomicInteger callsAfterClose = new AtomicInteger();
        java.util.function.Function<SimpleMeterRegistry, CdcEventProcessor.Builder> build = reg -> {
            Map<String, Object> c = new HashMap<>();
            c.put("bootstrap.servers", kafka.bootstrapServers());
            c.put("group.id", group);
            c.put("auto.offset.reset", "earliest");
            return CdcEventProcessor.builder(prefix).meterRegistry(reg).kafkaConsumer(c)
                    .kafkaProducer(Map.of("bootstrap.servers", kafka.bootstrapServers())).topics(data)
                    .deadLetterTopic(dlq).applyRetries(3).retryBackoff(Duration.ofMillis(500))
                    .closeTimeout(Duration.ofSeconds(10))
                    .pollTimeout(Duration.ofMillis(100));
        };
        SimpleMeterRegistry r1 = new SimpleMeterRegistry();
        CdcEventProcessor p1 = build.apply(r1).applier(batch -> {
            if (System.currentTimeMillis() > closedAt.get()) {
                callsAfterClose.incrementAndGet();
            }
            Thread.sleep(100);
            if (batch.stream().anyMatch(e -> id(e) % 25 == 0)) {
                throw new IllegalStateException("check constraint violated");
            }
            batch.forEach(e -> p1Applied.put(id(e), System.currentTimeMillis()));
        }).build();
        long now = System.currentTimeMillis();
        for (int i = 1; i <= 200; i++) {
            partitionOf.put((long) i, i % 4);
            kafka.send(data, i % 4, "{\"id\":" + i + "}", change(prefix, "orders", i, now));
        }
        producer.flush();
        Future<?> l1 = threads.submit(p1);
        Thread.sleep(4_000);
        long t0 = System.currentTimeMillis();
        p1.close();
        closedAt.set(System.currentTimeMillis());
        long closeMs = closedAt.get() - t0;
        l1.get(30, TimeUnit.SECONDS);
        Thread.sleep(1_500);
        Map<TopicPartition, OffsetAndMetadata> committed;
        try (Admin admin = kafka.admin()) {
            committed = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
        }
        List<String> dlAfterP1 = deadLetters(dlq);
        // offsets: partition p holds ids p, p+4, ... in order (id = 4 * offset + p, p=0 starting at 4)
        List<String> lost = new ArrayList<>();
        Map<Integer, Long> committedBy = new TreeMap<>();
        for (int part = 0; part < 4; part++) {
            OffsetAndMetadata om = committed.get(new TopicPartition(data, part));
            long off = om == null ? 0 : om.offset();
            committedBy.put(part, off);
            for (long o = 0; o < off; o++) {
                long id = part == 0 ? 4 * (o + 1) : 4 * o + part;
                boolean poison = id % 25 == 0;
                if (poison ? !dlAfterP1.contains("{\"id\":" + id + "}") : !p1Applied.containsKey(id)) {
                    lost.add("p" + part + "@" + o + "=id " + id + (poison ? " (poison, not in DLQ)" : " (not applied)"));
                }
            }
        }
        SimpleMeterRegistry r2 = new SimpleMeterRegistry();
        Set<Long> p2Applied = ConcurrentHashMap.newKeySet();
        CdcEventProcessor p2 = build.apply(r2).applier(batch -> {
            if (batch.stream().anyMatch(e -> id(e) % 25 == 0)) {
                throw new IllegalStateException("check constraint violated");
            }
            batch.forEach(e -> p2Applied.add(id(e)));
        }).build();
        Future<?> l2 = threads.submit(p2);
        try {
            Set<Long> all = ConcurrentHashMap.newKeySet();
            Await.until(Duration.ofSeconds(60), "192 good changes in the target", () -> {
                all.clear();
                all.addAll(p1Applied.keySet());
                all.addAll(p2Applied);
                return all.size() == 192;
            });
            Await.until(Duration.ofSeconds(30), "8 dead letters", () -> deadLetters(dlq).stream().distinct().count() == 8);
            Thread.sleep(1_000);
            List<String> dl = deadLetters(dlq);
            String state = String.format("close() took %d ms; apply calls after close returned: %d; p1 applied %d, "
                    + "committed %s, DLQ after p1 %s; below the committed offsets not applied/dead-lettered: %s; "
                    + "p2 applied %d; DLQ at the end %d records %s", closeMs, callsAfterClose.get(), p1Applied.size(),
                    committedBy, dlAfterP1, lost, p2Applied.size(), dl.size(), dl);
            System.out.println("[attack6] " + state);
            assertThat(closeMs).as(state).isLessThanOrEqualTo(10_000 + 2_000);
            assertThat(callsAfterClose.get()).as(state).isZero();
            assertThat(lost).as(state).isEmpty();
            assertThat(dl).as(state).hasSize(8).doesNotHaveDuplicates();
        } finally {
            p2.close();
            l2.get(30, TimeUnit.SECONDS);
        }
    }

    /**
     * The applier hangs for 12 s (a lock wait in the target) while the source writes 1 row per partition every 200 ms
     * to a table of 4 partitions; heartbeats every second (stall timeout 2 s). Attack 5's fixes: "poll loop stalled"
     * is not reported while an apply runs; the partition rule judges a hung apply. Truth: from the hang on nothing is
     * applied (the applier records each applied id with its commit time): staleness = now − commit of the oldest
     * unapplied row; rows wait. Expected, sampled every 250 ms: DOWN with stage {@code target} from at most 2 s
     * (+1.5 s slack) after the hang began until it ends; the overall replication lag never under-reads the truth by
     * more than 0.5 s (from 1 s into the hang); {@code cdc_consumer_lag_messages} and {@code _seconds} never 0 while
     * rows wait; after the hang, UP again and {@code cdc_events_processed_total} = distinct rows applied.
     */
    @Test
    void aHungApplierOverFourPartitionsIsTargetDownAndLagIsTrue() throws Exception {
        setUp();
        String prefix = "hu";
        String data = prefix + ".public.orders";
        String hbTopic = "__debezium-heartbeat." + prefix;
        kafka.createTopics(4, data);
        kafka.createTopics(1, hbTopic);
        AtomicBoolean stop = new AtomicBoolean();
        Future<?> hb = threads.submit(() -> {
            while (!stop.get()) {
                kafka.send(hbTopic, 0, "{\"serverName\":\"" + prefix + "\"}", "{\"ts_ms\":" + System.currentTimeMillis() + "}");
                producer.flush();
                Thread.sleep(1000);
            }
            return null;
        });
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        Map<Long, Long> commitOf = new ConcurrentHashMap<>();
        Set<Long> applied = ConcurrentHashMap.newKeySet();
        AtomicBoolean hang = new AtomicBoolean();
        AtomicLong hangStarted = new AtomicLong(-1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        Map<String, Object> c = new HashMap<>();
        c.put("bootstrap.servers", kafka.bootstrapServers());
        c.put("group.id", prefix + "-g");
        c.put("auto.offset.reset", "earliest");
        CdcEventProcessor p = CdcEventProcessor.builder(prefix).meterRegistry(registry).kafkaConsumer(c)
                .topics(data, hbTopic).applier(batch -> {
                    if (hang.get()) {
                        hangStarted.compareAndSet(-1, System.currentTimeMillis());
                        release.await(30, TimeUnit.SECONDS);
                    }
                    batch.forEach(e -> applied.add(id(e)));
                }).heartbeatInterval(Duration.ofSeconds(1)).pollTimeout(Duration.ofMillis(100))
                .lagRefreshInterval(Duration.ofMillis(250)).build();
        Future<?> loop = threads.submit(p);
        AtomicInteger nextId = new AtomicInteger();
        Future<?> writer = null;
        try {
            for (int i = 0; i < 8; i++) {
                long id = nextId.incrementAndGet();
                long now = System.currentTimeMillis();
                commitOf.put(id, now);
                kafka.send(data, (int) (id % 4), "{\"id\":" + id + "}", change(prefix, "orders", id, now));
            }
            producer.flush();
            Await.until(Duration.ofSeconds(30), "8 applied", () -> applied.size() == 8);
            Await.until(Duration.ofSeconds(20), "lag 0 and UP", () -> lag(registry, "orders") == 0.0
                    && p.healthCheck().check().status() == io.migmon.core.health.HealthStatus.UP);
            hang.set(true);
            AtomicBoolean writing = new AtomicBoolean(true);
            writer = threads.submit(() -> {
                while (writing.get()) {
                    for (int part = 0; part < 4; part++) {
                        long id = nextId.incrementAndGet();
                        long now = System.currentTimeMillis();
                        commitOf.put(id, now);
                        kafka.send(data, (int) (id % 4), "{\"id\":" + id + "}", change(prefix, "orders", id, now));
                    }
                    producer.flush();
                    Thread.sleep(200);
                }
                return null;
            });
            Await.until(Duration.ofSeconds(20), "apply hung", () -> hangStarted.get() > 0);
            long h0 = hangStarted.get();
            List<String> bad = new ArrayList<>();
            long firstTargetDown = -1;
            int samples = 0;
            double worstUnder = 0;
            String worst = "";
            while (System.currentTimeMillis() - h0 < 12_000) {
                Thread.sleep(250);
                Health h = p.healthCheck().check();
                double overall = registry.get("cdc.replication.lag.overall").gauge().value();
                double msgs = registry.find("cdc.consumer.lag").tag("topic", data).gauges().stream()
                        .mapToDouble(Gauge::value).filter(v -> !Double.isNaN(v)).sum();
                double secs = registry.find("cdc.consumer.lag.seconds").tag("topic", data).gauges().stream()
                        .mapToDouble(Gauge::value).filter(v -> !Double.isNaN(v)).max().orElse(Double.NaN);
                long t = System.currentTimeMillis();
                long oldest = commitOf.entrySet().stream().filter(e -> !applied.contains(e.getKey()))
                        .mapToLong(Map.Entry::getValue).min().orElse(t);
                double truth = (t - oldest) / 1000.0;
                long into = t - h0;
                samples++;
                boolean targetDown = h.status() != io.migmon.core.health.HealthStatus.UP
                        && "target".equals(h.details().get("stage"));
                if (targetDown && firstTargetDown < 0) {
                    firstTargetDown = into;
                }
                if (into > 2_000 + 1_500 && !targetDown) {
                    bad.add(into + " ms: not target DOWN: " + verdict(h) + " stage=" + h.details().get("stage"));
                }
                if (into > 1_000) {
                    if (truth - overall > worstUnder) {
                        worstUnder = truth - overall;
                        worst = String.format("%d ms: overall %.2f at truth %.2f", into, overall, truth);
                    }
                    if (!(msgs > 0) || !(secs > 0)) {
                        bad.add(String.format("%d ms: consumer lag %.0f msgs / %.2f s while rows wait", into, msgs, secs));
                    }
                }
            }
            writing.set(false);
            writer.get(10, TimeUnit.SECONDS);
            release.countDown();
            hang.set(false);
            int total = nextId.get();
            Await.until(Duration.ofSeconds(60), "all applied", () -> applied.size() == total);
            Await.until(Duration.ofSeconds(20), "UP after the hang",
                    () -> p.healthCheck().check().status() == io.migmon.core.health.HealthStatus.UP);
            Thread.sleep(500);
            String state = String.format("hang 12 s, %d samples; first target DOWN %d ms into the hang; wrong reads %d, "
                    + "first 4: %s; worst under-read %.2f s (%s); rows %d, processed_total %.0f, redelivered %.0f",
                    samples, firstTargetDown, bad.size(), bad.subList(0, Math.min(4, bad.size())), worstUnder, worst,
                    total, processed(registry), redelivered(registry));
            System.out.println("[attack6] " + state);
            assertThat(firstTargetDown).as(state).isBetween(0L, 3_500L);
            assertThat(bad).as(state).isEmpty();
            assertThat(worstUnder).as(state).isLessThanOrEqualTo(0.5);
            assertThat(processed(registry)).as(state).isEqualTo((double) total);
        } finally {
            stop.set(true);
            release.countDown();
            p.close();
            loop.get(30, TimeUnit.SECONDS);
            hb.get(10, TimeUnit.SECONDS);
        }
    }

    /**
     * Attack 5 finding 7 (1 s heartbeats, a target taking 1.2 s per batch of 50) with the busy table on 4 partitions
     * (pipelined applies of several partitions; the poll thread reads the heartbeat topic in every wait for an apply)
     * and an idle single-partition table. 600 rows committed at one instant. Truth: the idle table is current (0);
     * the busy table is stale by now − commit until its last row is applied; data is applied every ~1.2 s.
     * Expected (as attack 5's enabled test): UP at every read, the busy table never under-read by more than 0.25 s,
     * the idle table ≤ 1.5 s (one heartbeat interval + 0.5 s); a reason "apply running for N ms" never claims more than
     * the longest apply call (measured in the applier) + 0.5 s. Actual (2026-11-27 17:16-17:19 UTC, load 12-23, two
     * runs): idle table 0.00 s and busy under-read ≤ 0.01 s (held); but 150 of 182 and 174 of 205 reads DOWN from
     * ~2 s in, e.g. "partition b4.public.busy-1: 150 messages waiting, no applied progress for 2071 ms: target not
     * responding: apply running for 2032 ms", worst claim "apply running for 3530 ms" while the longest apply call
     * took 1306 ms. (Each partition does go > 2 heartbeat intervals without applied progress: 4 partitions share one
     * serialized applier at 1.2 s a batch, so the partition rule's DOWN is arguable; the reason's "not responding /
     * running for" is not: the target answered every 1.2 s.) Guess: {@code ChangePipeline.handle} sets
     * {@code PartitionProgress.applyStartedMs} when the batch is queued on the apply thread, not when its apply call
     * starts, so time queued behind other partitions' applies counts as the target not responding (and
     * {@code ProcessorHealth}'s {@code applyHung}, which also silences the connector rule, is derived from it).
     */
    @Test
    void finding5_aBacklogOverFourPartitionsClaimsTheTargetNotResponding() throws Exception {
        setUp();
        String prefix = "b4";
        String busy = prefix + ".public.busy";
        String idle = prefix + ".public.idle";
        String hbTopic = "__debezium-heartbeat." + prefix;
        kafka.createTopics(4, busy);
        kafka.createTopics(1, idle, hbTopic);
        AtomicBoolean stop = new AtomicBoolean();
        Future<?> hb = threads.submit(() -> {
            while (!stop.get()) {
                kafka.send(hbTopic, 0, "{\"serverName\":\"" + prefix + "\"}", "{\"ts_ms\":" + System.currentTimeMillis() + "}");
                producer.flush();
                Thread.sleep(1_000);
            }
            return null;
        });
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        List<ChangeEvent> applied = new CopyOnWriteArrayList<>();
        Map<String, Object> c = new HashMap<>();
        c.put("bootstrap.servers", kafka.bootstrapServers());
        c.put("group.id", prefix + "-g");
        c.put("auto.offset.reset", "earliest");
        c.put("max.poll.records", 50);
        int rows = 600;
        AtomicLong longestCall = new AtomicLong();
        long claimed = 0;
        java.util.regex.Pattern running = java.util.regex.Pattern.compile("apply running for (\\d+) ms");
        CdcEventProcessor p = CdcEventProcessor.builder(prefix).meterRegistry(registry).kafkaConsumer(c)
                .topics(busy, idle, hbTopic).applier(batch -> {
                    long t = System.currentTimeMillis();
                    if (batch.stream().anyMatch(e -> e.table().equals("busy"))) {
                        Thread.sleep(1_200);
                    }
                    applied.addAll(batch);
                    longestCall.accumulateAndGet(System.currentTimeMillis() - t, Math::max);
                }).heartbeatInterval(Duration.ofSeconds(1)).pollTimeout(Duration.ofMillis(100)).build();
        Future<?> loop = threads.submit(p);
        try {
            kafka.send(idle, 0, "{\"id\":1}", change(prefix, "idle", 1, System.currentTimeMillis()));
            producer.flush();
            Await.until(Duration.ofSeconds(30), "idle applied", () -> applied.size() == 1);
            Await.until(Duration.ofSeconds(20), "idle reads 0", () -> lag(registry, "idle") == 0.0);
            long commit = System.currentTimeMillis();
            for (int i = 1; i <= rows; i++) {
                kafka.send(busy, i % 4, "{\"id\":" + i + "}", change(prefix, "busy", i, commit));
            }
            producer.flush();
            int samples = 0;
            double maxIdle = 0;
            double maxUnder = 0;
            String worstBusy = "";
            List<String> downs = new ArrayList<>();
            int downCount = 0;
            long started = System.currentTimeMillis();
            while (applied.size() < rows + 1 && System.currentTimeMillis() - started < 90_000) {
                Thread.sleep(100);
                if (applied.size() <= 1) {
                    continue;
                }
                double l = lag(registry, "idle");
                double busyLag = lag(registry, "busy");
                boolean pending = applied.size() < rows + 1;
                double busyTruth = (System.currentTimeMillis() - commit) / 1000.0;
                if (!pending) {
                    break;
                }
                samples++;
                if (!Double.isNaN(busyLag) && busyTruth - busyLag > maxUnder) {
                    maxUnder = busyTruth - busyLag;
                    worstBusy = String.format("read %.2f at truth %.2f with %d of %d applied", busyLag, busyTruth,
                            applied.size() - 1, rows);
                }
                maxIdle = Math.max(maxIdle, l);
                Health h = p.healthCheck().check();
                java.util.regex.Matcher m = running.matcher(h.reasons().toString());
                while (m.find()) {
                    claimed = Math.max(claimed, Long.parseLong(m.group(1)));
                }
                if (h.status() != io.migmon.core.health.HealthStatus.UP) {
                    downCount++;
                    if (downs.size() < 3) {
                        downs.add((System.currentTimeMillis() - started) + " ms: " + verdict(h));
                    }
                }
            }
            String state = String.format("backlog of %d rows on 4 partitions drained in %d ms; %d samples; idle max "
                    + "%.2f s (truth 0); %d reads not UP, first 3: %s; busy max under-read %.2f s (%s); longest apply call %d ms, longest "
                    + "'apply running for' in a reason %d ms", rows,
                    System.currentTimeMillis() - started, samples, maxIdle, downCount, downs, maxUnder, worstBusy,
                    longestCall.get(), claimed);
            System.out.println("[attack6] " + state);
            Await.until(Duration.ofSeconds(30), "all applied", () -> applied.size() == rows + 1);
            assertThat(claimed).as(state).isLessThanOrEqualTo(longestCall.get() + 500);
            assertThat(downCount).as(state).isZero();
            assertThat(maxUnder).as(state).isLessThanOrEqualTo(0.25);
            assertThat(maxIdle).as(state).isLessThanOrEqualTo(1.5);
        } finally {
            stop.set(true);
            p.close();
            loop.get(30, TimeUnit.SECONDS);
            hb.get(10, TimeUnit.SECONDS);
        }
    }

    /**
     * Finding 2 (CdcAttack6Test) with a real consumer that has partitions 0-2 of a 3-partition table topic assigned:
     * the table's changes went to partitions 0 and 1 only since the start. Transaction A (commit t1) changes a row of
     * partition 2, its send delayed (the test holds it back 8 s); A's END arrives; transaction B (t1 + 200 ms) changes
     * rows on partitions 0 and 1 and is applied; heartbeats every second; stall timeout 10 s (so the hold is not given
     * up within the window). Truth: A's change is not applied: the target is stale by now − t1. Expected: lag(orders)
     * ≥ truth − 0.5 s at every sample from B's apply until A's change is sent. Actual (2026-11-27 17:30 UTC, load
     * 28.7): under at 61 of 68 samples, worst 0.00 at a truth of 8.04 s. See also finding 6: here the hold is also
     * released without B.
     */
    @Test
    void finding2_withKafka_aHoldOnAnUnseenAssignedPartitionIsReleased() throws Exception {
        unseenPartitionHold("fp", true);
    }

    /**
     * Finding 6: finding 2's scenario without transaction B (no later change at all): A's END read, A's change held
     * back 8 s by the connector's producer (not at the broker yet). Truth: stale by now − t1. Expected: lag(orders) ≥
     * truth − 0.5 s at every sample (the END hold exists for exactly this: an END consumed before its changes).
     * Actual (2026-11-27 17:34 UTC, load ~25): under at 71 of 75 samples, worst 0.00 at a truth of 8.00 s. Guess:
     * {@code TransactionEnds.verdict}'s CAUGHT_UP rule: every partition of the topic is caught up (end offset = committed)
     * by an end offset read {@code grace} (the lag refresh, 250 ms) after the END, so the hold is taken for "applied
     * before a restart" and released; a change still in the connector's producer leaves the partitions caught up too.
     */
    @Test
    void finding6_anEndHoldIsReleasedWhileItsChangeIsInTransit() throws Exception {
        unseenPartitionHold("fq", false);
    }

    private void unseenPartitionHold(String prefix, boolean withB) throws Exception {
        setUp();
        String data = prefix + ".public.orders";
        String tx = prefix + ".transaction";
        String hbTopic = "__debezium-heartbeat." + prefix;
        kafka.createTopics(3, data);
        kafka.createTopics(1, tx, hbTopic);
        AtomicBoolean stop = new AtomicBoolean();
        Future<?> hb = threads.submit(() -> {
            while (!stop.get()) {
                kafka.send(hbTopic, 0, "{\"serverName\":\"" + prefix + "\"}", "{\"ts_ms\":" + System.currentTimeMillis() + "}");
                producer.flush();
                Thread.sleep(1_000);
            }
            return null;
        });
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        Set<Long> applied = ConcurrentHashMap.newKeySet();
        Map<String, Object> c = new HashMap<>();
        c.put("bootstrap.servers", kafka.bootstrapServers());
        c.put("group.id", prefix + "-g");
        c.put("auto.offset.reset", "earliest");
        CdcEventProcessor p = CdcEventProcessor.builder(prefix).meterRegistry(registry).kafkaConsumer(c)
                .topics(data, tx, hbTopic).applier(batch -> batch.forEach(e -> applied.add(id(e))))
                .heartbeatInterval(Duration.ofSeconds(1)).stallTimeout(Duration.ofSeconds(10))
                .pollTimeout(Duration.ofMillis(100)).lagRefreshInterval(Duration.ofMillis(250)).build();
        Future<?> loop = threads.submit(p);
        try {
            long t0 = System.currentTimeMillis();
            kafka.send(data, 0, "{\"id\":1}", txChange(prefix, "orders", 1, t0, 500, 1));
            kafka.send(data, 1, "{\"id\":2}", txChange(prefix, "orders", 2, t0, 500, 2));
            kafka.send(tx, 0, "{\"id\":\"500\"}", end("500:99", t0, "orders", 2));
            producer.flush();
            Await.until(Duration.ofSeconds(30), "T0 applied", () -> applied.size() == 2);
            Await.until(Duration.ofSeconds(20), "lag 0", () -> lag(registry, "orders") == 0.0);
            long t1 = System.currentTimeMillis();
            kafka.send(tx, 0, "{\"id\":\"501\"}", end("501:99", t1, "orders", 1));
            producer.flush();
            Thread.sleep(200);
            if (withB) {
                long t2 = System.currentTimeMillis();
                kafka.send(data, 0, "{\"id\":3}", txChange(prefix, "orders", 3, t2, 502, 1));
                kafka.send(data, 1, "{\"id\":4}", txChange(prefix, "orders", 4, t2, 502, 2));
                kafka.send(tx, 0, "{\"id\":\"502\"}", end("502:99", t2, "orders", 2));
                producer.flush();
                Await.until(Duration.ofSeconds(20), "B applied", () -> applied.size() == 4);
            }
            int samples = 0;
            int under = 0;
            String worst = "";
            double worstGap = 0;
            while (System.currentTimeMillis() - t1 < 8_000) {
                Thread.sleep(100);
                double l = lag(registry, "orders");
                double truth = (System.currentTimeMillis() - t1) / 1000.0;
                samples++;
                if (!(l >= truth - 0.5)) {
                    under++;
                    if (truth - l > worstGap) {
                        worstGap = truth - l;
                        worst = String.format("read %.2f at truth %.2f", l, truth);
                    }
                }
            }
            kafka.send(data, 2, "{\"id\":5}", txChange(prefix, "orders", 5, t1, 501, 1));
            producer.flush();
            Await.until(Duration.ofSeconds(20), "A applied", () -> applied.size() == (withB ? 5 : 3));
            String state = String.format((withB ? "with B: " : "without B: ") + "A's change (partition 2) withheld 8 s: lag(orders) under truth - 0.5 s at %d "
                    + "of %d samples (worst: %s)", under, samples, worst);
            System.out.println("[attack6] " + state);
            assertThat(under).as(state).isZero();
        } finally {
            stop.set(true);
            p.close();
            loop.get(30, TimeUnit.SECONDS);
            hb.get(10, TimeUnit.SECONDS);
        }
    }

    private static String end(String id, long commitMs, String table, int count) {
        return "{\"status\":\"END\",\"id\":\"" + id + "\",\"event_count\":" + count + ",\"data_collections\":[{"
                + "\"data_collection\":\"public." + table + "\",\"event_count\":" + count + "}],\"ts_ms\":" + commitMs + "}";
    }

    private static String txChange(String prefix, String table, long id, long commitMs, long xid, int order) {
        String c = change(prefix, table, id, commitMs);
        return c.substring(0, c.length() - 1) + ",\"transaction\":{\"id\":\"" + xid + ":99\",\"total_order\":" + order
                + ",\"data_collection_order\":" + order + "}}";
    }

    private static long id(ChangeEvent e) {
        String a = e.afterJson();
        return Long.parseLong(a.replaceAll("[^0-9]", ""));
    }

    private static double lag(SimpleMeterRegistry r, String table) {
        Gauge g = r.find("cdc.replication.lag").tag("source_table", "public." + table).gauge();
        return g == null ? Double.NaN : g.value();
    }

    private static String verdict(Health h) {
        return h.status() + " " + h.reasons();
    }

    private static double processed(SimpleMeterRegistry r) {
        return r.find("cdc.events.processed").counters().stream().mapToDouble(c -> c.count()).sum();
    }

    private static double redelivered(SimpleMeterRegistry r) {
        return r.find("cdc.events.redelivered").counters().stream().mapToDouble(c -> c.count()).sum();
    }

    /** Keys ({"id":N}) of every record in the DLQ topic, read from the beginning. */
    private static List<String> deadLetters(String topic) {
        List<String> keys = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(Map.of("bootstrap.servers", kafka.bootstrapServers(),
                "auto.offset.reset", "earliest", "enable.auto.commit", "false"), new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> tps = c.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            c.assign(tps);
            c.seekToBeginning(tps);
            Map<TopicPartition, Long> end = c.endOffsets(tps);
            long deadline = System.currentTimeMillis() + 10_000;
            while (System.currentTimeMillis() < deadline) {
                boolean done = true;
                for (TopicPartition tp : tps) {
                    done &= c.position(tp) >= end.get(tp);
                }
                if (done) {
                    break;
                }
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    keys.add(r.key() == null ? "null" : new String(r.key(), StandardCharsets.UTF_8));
                }
            }
        }
        keys.sort(null);
        return keys;
    }
}
