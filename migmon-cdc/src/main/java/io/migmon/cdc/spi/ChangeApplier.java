package io.migmon.cdc.spi;

import io.migmon.cdc.event.ChangeEvent;

import java.util.List;

/**
 * Applies change events to a target. Called by {@link io.migmon.cdc.CdcEventProcessor} never concurrently for one
 * processor, with a happens-before edge between calls: in the poll loop every call (first attempts, retries and the
 * one-by-one isolation of a failed batch) runs on the processor's apply thread ({@code migmon-cdc-apply-<name>});
 * with {@code process} every call runs on the caller's thread.
 *
 * <p><b>Contract.</b> {@link #apply(List)} must be <em>idempotent</em>: delivery is at least once (offsets are
 * committed only after {@code apply} returns), so after a crash the same events are applied again and must leave the
 * target in the same state. Either the whole batch is applied or, when it throws, none of it is assumed applied; the
 * processor then retries and finally applies the events one by one, dead-lettering those that still fail.
 * Events arrive in partition order; only {@link ChangeEvent.Kind#CHANGE} events are passed.
 */
public interface ChangeApplier extends AutoCloseable {

    /**
     * Applies the batch atomically (all or nothing).
     *
     * @throws Exception when the batch could not be applied; the message must not contain row data or secrets
     */
    void apply(List<ChangeEvent> batch) throws Exception;

    /**
     * The target table an event lands in, the {@code target_table} tag of {@code cdc_replication_lag_seconds}.
     * The default is the source's qualified table.
     */
    default String targetTable(ChangeEvent event) {
        return event.qualifiedTable();
    }

    /** Releases resources; must not throw checked exceptions (failures are counted, not propagated). Default: nothing. */
    @Override
    default void close() {
    }
}
