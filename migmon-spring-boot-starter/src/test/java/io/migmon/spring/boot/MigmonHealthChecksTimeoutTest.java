package io.migmon.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import io.migmon.core.health.Health;
import io.migmon.core.health.HealthCheck;
import io.migmon.core.health.HealthStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The per-check timeout of {@link MigmonHealthChecks} with concurrent callers: the watcher's tick and an
 * {@code /actuator/health} request evaluate the same wrapped check. An evaluation started by the other caller is not
 * a timeout (a fresh-clone CI run of MigmonSpringBootIT read overall DOWN, "check still running after timing out",
 * while the watcher, every 200 ms, was evaluating the same check).
 */
class MigmonHealthChecksTimeoutTest {

    @Test
    void aCallerArrivingWhileAnotherCallersEvaluationRunsGetsThatResultNotDown() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger evaluations = new AtomicInteger();
        HealthCheck slowish = HealthCheck.of("catch-up", () -> {
            evaluations.incrementAndGet();
            started.countDown();
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return Health.degraded("data lag 90.0 s is above the warning level of 60 s");
        });
        HealthCheck timed = MigmonHealthChecks.withTimeout(slowish, Duration.ofSeconds(20));
        ExecutorService callers = Executors.newFixedThreadPool(2);
        try {
            Future<Health> watcher = callers.submit(timed::check);
            assertThat(started.await(30, TimeUnit.SECONDS)).isTrue();
            Future<Health> endpoint = callers.submit(timed::check); // arrives while the watcher's evaluation runs
            Thread.sleep(100);
            release.countDown();
            Health seenByEndpoint = endpoint.get(30, TimeUnit.SECONDS);
            assertThat(seenByEndpoint.status()).as(seenByEndpoint.reasons().toString()).isEqualTo(HealthStatus.DEGRADED);
            assertThat(watcher.get(30, TimeUnit.SECONDS).status()).isEqualTo(HealthStatus.DEGRADED);
            assertThat(evaluations.get()).as("one shared evaluation").isEqualTo(1);
        } finally {
            release.countDown();
            callers.shutdownNow();
        }
    }

    @Test
    void manyConcurrentCallersOfAFastCheckNeverReadDown() throws Exception {
        HealthCheck fast = MigmonHealthChecks.withTimeout(HealthCheck.of("fast", () -> Health.degraded("lag")),
                Duration.ofSeconds(20));
        ExecutorService callers = Executors.newFixedThreadPool(4);
        try {
            List<Future<List<Health>>> all = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                all.add(callers.submit(() -> {
                    List<Health> out = new ArrayList<>();
                    for (int i = 0; i < 2_000; i++) {
                        out.add(fast.check());
                    }
                    return out;
                }));
            }
            for (Future<List<Health>> f : all) {
                for (Health h : f.get(120, TimeUnit.SECONDS)) {
                    assertThat(h.status()).as(h.reasons().toString()).isEqualTo(HealthStatus.DEGRADED);
                }
            }
        } finally {
            callers.shutdownNow();
        }
    }

    @Test
    void aCheckOverrunningItsTimeoutIsDownAndNotStartedAgainUntilItReturns() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger evaluations = new AtomicInteger();
        HealthCheck hanging = MigmonHealthChecks.withTimeout(HealthCheck.of("hanging", () -> {
            evaluations.incrementAndGet();
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return Health.up();
        }), Duration.ofMillis(200));
        try {
            assertThat(hanging.check().reasons()).containsExactly("check timed out after PT0.2S");
            assertThat(hanging.check().reasons().get(0)).startsWith("check still running after timing out");
            assertThat(evaluations.get()).isEqualTo(1);
        } finally {
            release.countDown();
        }
        io.migmon.core.testing.Await.until(Duration.ofSeconds(30), () -> hanging.check().status() == HealthStatus.UP,
                () -> "the released check did not recover");
    }
}
