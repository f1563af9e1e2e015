package io.migmon.cdc;

import io.migmon.cdc.event.ChangeEvent;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migmon.cdc.jdbc.JdbcChangeApplier;
import io.migmon.cdc.spi.ChangeApplier;
import org.postgresql.ds.PGSimpleDataSource;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Runs a processor in a separate JVM so that {@link CdcPipelineIT} can kill it with SIGKILL (no close, no commit,
 * no leave-group). Prints {@code applied <offset>} after each applied batch, before its offsets are committed.
 * Args: bootstrap servers, group id, topic, target JDBC URL.
 */
final class KilledProcessorMain {

    private KilledProcessorMain() {
    }

    public static void main(String[] args) {
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setUrl(args[3]);
        ds.setUser("postgres");
        JdbcChangeApplier jdbc = JdbcChangeApplier.builder(ds).build();
        ChangeApplier announcing = new ChangeApplier() {
            @Override
            public void apply(List<ChangeEvent> batch) throws Exception {
                jdbc.apply(batch);
                System.out.println("applied " + batch.get(batch.size() - 1).record().offset());
                System.out.flush();
                Thread.sleep(20); // widen the window between apply and commit
            }
        };
        CdcEventProcessor.builder()
                .meterRegistry(new SimpleMeterRegistry())
                .kafkaConsumer(Map.of("bootstrap.servers", args[0], "group.id", args[1], "max.poll.records", "50",
                        "session.timeout.ms", "3000", "heartbeat.interval.ms", "500"))
                .topics(args[2])
                .applier(announcing)
                .pollTimeout(Duration.ofMillis(200))
                .build()
                .run();
    }
}
