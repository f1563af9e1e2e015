package io.migmon.verify.internal;

import io.migmon.verify.VerificationException;
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

/** Blocking helpers over Reactive Streams publishers (the verifier is a blocking call by design). */
public final class Reactive {

    private Reactive() {
    }

    /** All items of a finite publisher (callers bound it with a limit). */
    public static <T> List<T> list(Publisher<T> publisher, Duration timeout) {
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
        try {
            return result.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new VerificationException("verification interrupted", e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof RuntimeException re) {
                throw re;
            }
            throw new VerificationException(String.valueOf(c), c);
        } catch (TimeoutException e) {
            throw new VerificationException("MongoDB did not answer within " + timeout, e);
        }
    }
}
