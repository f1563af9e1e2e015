package io.migmon.mongo.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;

/** Blocking bridge over Reactive Streams publishers, without a reactive library. */
public final class Reactive {

    private Reactive() {
    }

    /** Collects every item of {@code publisher}, waiting at most {@code timeout}. Errors are rethrown unchanged when unchecked. */
    public static <T> List<T> all(Publisher<T> publisher, Duration timeout) {
        return get(collect(publisher), timeout);
    }

    /** The first item, or null when empty. */
    public static <T> T first(Publisher<T> publisher, Duration timeout) {
        List<T> items = all(publisher, timeout);
        return items.isEmpty() ? null : items.get(0);
    }

    /** Subscribes and collects asynchronously. */
    public static <T> CompletableFuture<List<T>> collect(Publisher<T> publisher) {
        CompletableFuture<List<T>> result = new CompletableFuture<>();
        publisher.subscribe(new Subscriber<T>() {
            private final List<T> items = new ArrayList<>();

            @Override
            public void onSubscribe(Subscription s) {
                s.request(Long.MAX_VALUE);
            }

            @Override
            public void onNext(T t) {
                items.add(t);
            }

            @Override
            public void onError(Throwable t) {
                result.completeExceptionally(t);
            }

            @Override
            public void onComplete() {
                result.complete(items);
            }
        });
        return result;
    }

    private static <T> T get(CompletableFuture<T> f, Duration timeout) {
        try {
            return f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for MongoDB", e);
        } catch (TimeoutException e) {
            f.cancel(true);
            throw new IllegalStateException("MongoDB operation did not complete within " + timeout, e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof RuntimeException re) {
                throw re;
            }
            if (c instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(c.getMessage(), c);
        }
    }
}
