package io.migmon.cdc.debezium;

import io.debezium.engine.ChangeEvent;
import io.debezium.engine.DebeziumEngine;
import io.migmon.cdc.CdcEventProcessor;
import io.migmon.cdc.CdcRecord;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Feeds a Debezium embedded engine ({@code DebeziumEngine.create(Json.class)}) into a {@link CdcEventProcessor}
 * without Kafka: {@code .notifying(new DebeziumEngineConsumer(processor))}. Each batch is processed (parsed, recorded,
 * applied, dead-lettered) and only then marked processed, so the engine's offsets advance after apply. If the target
 * stays unavailable, {@link io.migmon.cdc.CdcProcessingException} propagates and the engine stops without committing
 * the batch (at-least-once on restart). Runs on the engine's thread.
 */
public final class DebeziumEngineConsumer implements DebeziumEngine.ChangeConsumer<ChangeEvent<String, String>> {

    private final CdcEventProcessor processor;

    /** A consumer feeding {@code processor}. */
    public DebeziumEngineConsumer(CdcEventProcessor processor) {
        this.processor = Objects.requireNonNull(processor, "processor must not be null");
    }

    /** Processes the batch, then marks every record processed and the batch finished. */
    @Override
    public void handleBatch(List<ChangeEvent<String, String>> records,
                            DebeziumEngine.RecordCommitter<ChangeEvent<String, String>> committer) throws InterruptedException {
        List<CdcRecord> batch = new ArrayList<>(records.size());
        for (ChangeEvent<String, String> r : records) {
            batch.add(CdcRecord.of(r.destination(), r.key(), r.value()));
        }
        processor.process(batch);
        for (ChangeEvent<String, String> r : records) {
            committer.markProcessed(r);
        }
        committer.markBatchFinished();
    }

    /** Tombstones are passed (and ignored by the processor) so that the engine does not filter on our behalf. */
    @Override
    public boolean supportsTombstoneEvents() {
        return true;
    }
}
