package io.migmon.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migmon.core.testing.Await;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.SubmissionPublisher;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.reactivestreams.FlowAdapters;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;

/** observe(Publisher) against the JDK's SubmissionPublisher, a real asynchronous publisher. */
class ObservePublisherTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final ObservableMigration migration = ObservableMigration.builder("reactive").meterRegistry(registry).build();

    @Test
    void completionIsSuccessAndElementsPassThrough() throws Exception {
        SubmissionPublisher<Integer> source = new SubmissionPublisher<>();
        Publisher<Integer> observed = migration.observe(ctx -> {
            ctx.expectRows(3);
            return FlowAdapters.toPublisher(source);
        });
        Collecting<Integer> sub = new Collecting<>(Long.MAX_VALUE);
        observed.subscribe(sub);
        assertThat(migration.status()).isEqualTo(MigrationStatus.RUNNING);
        source.submit(1);
        source.submit(2);
        source.submit(3);
        source.close();
        sub.done.get(5, TimeUnit.SECONDS);
        assertThat(sub.items).containsExactly(1, 2, 3);
        assertThat(migration.status()).isEqualTo(MigrationStatus.SUCCESS);
        assertThat(registry.get("migration.duration").tag("status", "success").timer().count()).isEqualTo(1);
    }

    @Test
    void errorIsFailedAndForwarded() throws Exception {
        SubmissionPublisher<Integer> source = new SubmissionPublisher<>();
        Collecting<Integer> sub = new Collecting<>(Long.MAX_VALUE);
        migration.observe(ctx -> FlowAdapters.toPublisher(source)).subscribe(sub);
        source.closeExceptionally(new IllegalStateException("write failed"));
        assertThat(sub.done).failsWithin(5, TimeUnit.SECONDS);
        assertThat(migration.status()).isEqualTo(MigrationStatus.FAILED);
        assertThat(registry.get("migration.errors").tag("error_type", "IllegalStateException").counter().count()).isEqualTo(1);
    }

    @Test
    void cancelIsAborted() throws Exception {
        SubmissionPublisher<Integer> source = new SubmissionPublisher<>();
        Collecting<Integer> sub = new Collecting<>(1);
        migration.observe(ctx -> FlowAdapters.toPublisher(source)).subscribe(sub);
        source.submit(1);
        Await.until(Duration.ofSeconds(10), () -> !sub.items.isEmpty(), () -> "the first item to arrive");
        sub.subscription.cancel();
        assertThat(migration.status()).isEqualTo(MigrationStatus.ABORTED);
        source.close();
    }

    @Test
    void aBodyThatThrowsFailsTheRunAndTheSubscriber() {
        Collecting<Integer> sub = new Collecting<>(1);
        migration.<Integer>observe(ctx -> {
            throw new IllegalArgumentException("bad query");
        }).subscribe(sub);
        assertThat(sub.done).isCompletedExceptionally();
        assertThat(migration.status()).isEqualTo(MigrationStatus.FAILED);
    }

    static final class Collecting<T> implements Subscriber<T> {
        final List<T> items = new CopyOnWriteArrayList<>();
        final CompletableFuture<Void> done = new CompletableFuture<>();
        final long demand;
        volatile Subscription subscription;

        Collecting(long demand) {
            this.demand = demand;
        }

        @Override
        public void onSubscribe(Subscription s) {
            subscription = s;
            s.request(demand);
        }

        @Override
        public void onNext(T t) {
            items.add(t);
        }

        @Override
        public void onError(Throwable t) {
            done.completeExceptionally(t);
        }

        @Override
        public void onComplete() {
            done.complete(null);
        }
    }
}
