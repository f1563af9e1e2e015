package io.migmon.cdc;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migmon.cdc.event.ChangeEvent;
import io.migmon.cdc.spi.ChangeApplier;
import io.migmon.core.health.Health;
import io.migmon.core.health.HealthStatus;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The apply of one partition's changes hangs (a target that does not answer) while another partition's changes wait
 * behind it in the same batch (the embedded engine hands over several destinations at once; the Kafka poll thread
 * handles a poll's partitions one after the other). Both partitions are DOWN; the {@code stage} detail must be the
 * root cause ({@code target}), not the consequence on the other partition, whichever partition the health check
 * lists first; UP once the target answers. Real clock, margins for a loaded machine.
 */
class HealthStageAttackTest {

    private static CdcRecord change(String topic, int partition, long offset, int id) {
        long ms = System.currentTimeMillis();
        String json = "{\"before\":null,\"after\":{\"id\":" + id + "},\"source\":{\"name\":\"shop\",\"ts_ms\":" + ms
                + ",\"schema\":\"public\",\"table\":\"t" + partition + "\"},\"op\":\"c\",\"ts_ms\":" + ms + "}";
        return CdcRecord.of(topic, partition, offset, ms, null, json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aHungApplyIsStageTargetWhenAnotherPartitionWaitsBehindIt() throws Exception {
        String topic = "shop.public.t";
        // the partition the health check lists last (the processor keeps partitions in a ConcurrentHashMap)
        ConcurrentHashMap<TopicPartition, Boolean> order = new ConcurrentHashMap<>();
        order.put(new TopicPartition(topic, 0), true);
        order.put(new TopicPartition(topic, 1), true);
        int hung = new ArrayList<>(order.keySet()).get(1).partition();
        int other = 1 - hung;
        CountDownLatch release = new CountDownLatch(1);
        ChangeApplier hanging = new ChangeApplier() {
            @Override
            public void apply(List<ChangeEvent> batch) throws Exception {
                release.await();
            }
        };
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        ExecutorService host = Executors.newSingleThreadExecutor();
        try (CdcEventProcessor p = CdcEventProcessor.builder("stage").meterRegistry(registry).applier(hanging)
                .stallTimeout(Duration.ofSeconds(1)).build()) {
            // the hung partition's change first: its apply is the one running
            Future<?> call = host.submit(() -> p.process(List.of(change(topic, hung, 0, 1), change(topic, other, 0, 2),
                    change(topic, other, 1, 3))));
            Await.until(Duration.ofSeconds(30), "both partitions DOWN", () -> p.healthCheck().check().reasons()
                    .stream().filter(r -> r.startsWith("partition ")).count() == 2);
            Health h = p.healthCheck().check();
            assertThat(h.status()).isEqualTo(HealthStatus.DOWN);
            assertThat(h.reasons()).anySatisfy(r -> assertThat(r).startsWith("partition " + topic + "-" + hung)
                    .contains("target not responding"));
            assertThat(h.reasons()).anySatisfy(r -> assertThat(r).startsWith("partition " + topic + "-" + other)
                    .contains("applying partition " + topic + "-" + hung));
            assertThat(h.details()).containsEntry("stage", "target");
            release.countDown();
            call.get();
            Await.until(Duration.ofSeconds(30), "UP", () -> p.healthCheck().check().status() == HealthStatus.UP);
        } finally {
            release.countDown();
            host.shutdownNow();
        }
    }
}
