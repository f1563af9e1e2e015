package io.migmon.core.internal;

import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.function.Function;
import java.util.function.Supplier;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;

/**
 * A pass-through Reactive Streams operator: each subscription starts a run ({@code start}), subscribes to the
 * publisher the body builds for that run, forwards every signal unchanged, and ends the run on the terminal
 * signal: {@code onComplete} → success, {@code onError} → failure, {@code cancel} → abort. Not public API.
 *
 * @param <R> the run type
 * @param <T> element type
 */
public final class ObservedPublisher<R, T> implements Publisher<T> {

    /** What to do at the end of a run. */
    public interface Outcome<R> {
        void success(R run);

        void failure(R run, Throwable error);

        void cancelled(R run, Throwable reason);
    }

    private final Supplier<R> start;
    private final Function<R, ? extends Publisher<T>> body;
    private final Outcome<R> outcome;

    public ObservedPublisher(Supplier<R> start, Function<R, ? extends Publisher<T>> body, Outcome<R> outcome) {
        this.start = start;
        this.body = body;
        this.outcome = outcome;
    }

    @Override
    public void subscribe(Subscriber<? super T> downstream) {
        Objects.requireNonNull(downstream, "subscriber"); // rule 1.9
        R run;
        Publisher<T> upstream;
        try {
            run = start.get();
        } catch (RuntimeException e) {
            rejectSubscriber(downstream, e);
            return;
        }
        try {
            upstream = Objects.requireNonNull(body.apply(run), "body returned a null publisher");
        } catch (RuntimeException e) {
            outcome.failure(run, e);
            rejectSubscriber(downstream, e);
            return;
        }
        upstream.subscribe(new Relay<>(downstream, run, outcome));
    }

    private static <T> void rejectSubscriber(Subscriber<? super T> s, Throwable e) {
        s.onSubscribe(new Subscription() {
            @Override
            public void request(long n) {
            }

            @Override
            public void cancel() {
            }
        });
        s.onError(e);
    }

    private static final class Relay<R, T> implements Subscriber<T>, Subscription {
        private final Subscriber<? super T> downstream;
        private final R run;
        private final Outcome<R> outcome;
        private volatile Subscription upstream;
        private volatile boolean done;

        Relay(Subscriber<? super T> downstream, R run, Outcome<R> outcome) {
            this.downstream = downstream;
            this.run = run;
            this.outcome = outcome;
        }

        @Override
        public void onSubscribe(Subscription s) {
            this.upstream = s;
            downstream.onSubscribe(this);
        }

        @Override
        public void onNext(T t) {
            downstream.onNext(t);
        }

        @Override
        public void onError(Throwable t) {
            if (finish()) {
                outcome.failure(run, t);
            }
            downstream.onError(t);
        }

        @Override
        public void onComplete() {
            if (finish()) {
                outcome.success(run);
            }
            downstream.onComplete();
        }

        @Override
        public void request(long n) {
            upstream.request(n);
        }

        @Override
        public void cancel() {
            if (finish()) {
                outcome.cancelled(run, new CancellationException("subscriber cancelled"));
            }
            upstream.cancel();
        }

        private synchronized boolean finish() {
            if (done) {
                return false;
            }
            done = true;
            return true;
        }
    }

}
