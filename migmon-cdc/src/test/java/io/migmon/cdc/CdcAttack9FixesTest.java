package io.migmon.cdc;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What the attack 9 fixes (issue 11, 2026-11-28) add beside {@code CdcAttack9Test}'s findings: the positive evidence
 * that still ends a trailing {@code END} hold (caught-up partitions known from a group assignment, for an
 * {@code END} that may be a redelivery), the index of holds by table (a SQL Server {@code db.schema.table}
 * {@code data_collection} still matched by its {@code schema.table} changes; holds of other tables untouched), and the
 * fail-fast validation of {@link CdcEventProcessor.Builder#transformationsDropChanges(boolean)}.
 */
class CdcAttack9FixesTest extends ShopProcessorHarness {

    private static final long S = 1_000_000_000L;

    private final List<String> evictions = new ArrayList<>();

    private final TransactionTracker.Sink sink = new TransactionTracker.Sink() {
        @Override
        public void completed(String source, long lagNanos) {
        }

        @Override
        public void evicted(String source, String reason) {
            evictions.add(reason);
        }
    };

    /** {@link TransactionEnds} of a group member applying partitions 0 and 1 of every topic, the state given. */
    private TransactionEnds groupEnds(AtomicReference<TransactionEnds.TopicState> state) {
        TransactionEnds.Owner owner = new TransactionEnds.Owner() {
            @Override
            public long since(String topic) {
                return 0;
            }

            @Override
            public Set<Integer> partitions(String topic) {
                return Set.of(0, 1);
            }
        };
        return new TransactionEnds(owner, (topic, since) -> state.get(), sink, Duration.ofSeconds(4),
                Duration.ofMillis(250), Duration.ZERO);
    }

    /**
     * Attack 8 finding 4 in a consumer group: changes 1 and 3 of T redelivered on partition 0, T's END redelivered
     * (written before the assignment), every assigned partition of orders caught up at the broker. The caught-up
     * positions are positive evidence (nothing of the table waits anywhere this member reads): released one grace
     * after the END. A live END (written while this member read the topic) on the same state still holds: its
     * missing changes may be in the connector's producer (attack 6 finding 6).
     */
    @Test
    void caughtUpAssignedPartitionsReleaseARedeliveredTrailingHoldButNotALiveOne() {
        AtomicReference<TransactionEnds.TopicState> state = new AtomicReference<>(TransactionEnds.TopicState.CAUGHT_UP);
        long commit = 1_000 * S;
        long now = commit + S;
        TransactionEnds redelivered = groupEnds(state);
        redelivered.change("shop", "public.orders", 0, "50:1", 1, 1, commit, now);
        redelivered.change("shop", "public.orders", 0, "50:1", 3, 3, commit, now);
        redelivered.end("shop", "50:1", commit, Map.of("public.orders", 4L), now, true);
        TransactionEnds live = groupEnds(state);
        live.change("shop", "public.orders", 0, "50:1", 1, 1, commit, now);
        live.change("shop", "public.orders", 0, "50:1", 3, 3, commit, now);
        live.end("shop", "50:1", commit, Map.of("public.orders", 4L), now, false);
        assertThat(redelivered.oldestHeldNanos("public.orders", now)).as("within the grace").isEqualTo(commit);
        now += S;
        assertThat(redelivered.oldestHeldNanos("public.orders", now)).as("redelivered, caught up").isEqualTo(-1);
        assertThat(live.oldestHeldNanos("public.orders", now)).as("live, caught up").isEqualTo(commit);
        state.set(TransactionEnds.TopicState.WAITING);
        TransactionEnds waiting = groupEnds(state);
        waiting.change("shop", "public.orders", 0, "51:1", 1, 1, commit, now);
        waiting.end("shop", "51:1", commit, Map.of("public.orders", 2L), now, true);
        assertThat(waiting.oldestHeldNanos("public.orders", now + S)).as("redelivered, records waiting")
                .isEqualTo(commit);
        assertThat(evictions).isEmpty();
    }

    /**
     * The index by table: an END naming SQL Server's {@code inventory.dbo.orders} holds until its changes, named
     * {@code dbo.orders}, arrive; 1,000 holds of customers beside it are untouched by those changes and read on their
     * own table; each table reads its oldest hold.
     */
    @Test
    void holdsAreFoundByTheirTableAndEachTableReadsItsOldest() {
        AtomicReference<TransactionEnds.TopicState> state = new AtomicReference<>(TransactionEnds.TopicState.UNKNOWN);
        TransactionEnds ends = new TransactionEnds(t -> true, (topic, since) -> state.get(), sink,
                Duration.ofSeconds(4), Duration.ofMillis(250));
        long commit = 1_000 * S;
        long now = commit + S;
        for (int i = 0; i < 1_000; i++) {
            ends.end("inv", (100 + i) + ":1", commit + i * 1_000_000L, Map.of("dbo.customers", 1L), now);
        }
        ends.end("inv", "7:1", commit + 5 * S / 10, Map.of("inventory.dbo.orders", 2L), now);
        ends.end("inv", "8:1", commit + 6 * S / 10, Map.of("inventory.dbo.orders", 1L), now);
        assertThat(ends.holds()).isEqualTo(1_002);
        assertThat(ends.oldestHeldNanos("dbo.orders", now)).isEqualTo(commit + 5 * S / 10);
        assertThat(ends.oldestHeldNanos("dbo.customers", now)).isEqualTo(commit);
        assertThat(ends.oldestHeldNanos(null, now)).isEqualTo(commit);
        ends.change("inv", "dbo.orders", 0, "7:1", 1, 1, commit + 5 * S / 10, now);
        ends.change("inv", "dbo.orders", 0, "7:1", 2, 2, commit + 5 * S / 10, now);
        assertThat(ends.oldestHeldNanos("dbo.orders", now)).as("T 7 complete: 8 is the oldest")
                .isEqualTo(commit + 6 * S / 10);
        ends.change("inv", "dbo.orders", 0, "8:1", 1, 1, commit + 6 * S / 10, now);
        assertThat(ends.oldestHeldNanos("dbo.orders", now)).isEqualTo(-1);
        assertThat(ends.holds()).isEqualTo(1_000);
        ends.change("inv", "dbo.customers", 0, "100:1", 1, 1, commit, now);
        assertThat(ends.oldestHeldNanos("dbo.customers", now)).isEqualTo(commit + 1_000_000L);
        assertThat(ends.holds()).isEqualTo(999);
    }

    @Test
    void transformationsDropChangesFailsFastWhereItWouldChangeNothing() {
        assertThatThrownBy(() -> CdcEventProcessor.builder().meterRegistry(registry)
                .kafkaConsumer(Map.of("bootstrap.servers", "127.0.0.1:1", "group.id", "g"))
                .topics("shop.public.orders").transformationsDropChanges(true).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("transformationsDropChanges").hasMessageContaining("shop.public.orders");
        assertThatThrownBy(() -> CdcEventProcessor.builder().meterRegistry(registry).transactionTopicSuffix(null)
                .transformationsDropChanges(true).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("transformationsDropChanges");
        CdcEventProcessor.builder().meterRegistry(registry).transformationsDropChanges(true).build().close();
    }
}
