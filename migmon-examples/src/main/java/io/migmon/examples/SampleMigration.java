package io.migmon.examples;

import io.migmon.core.MigrationAbortedException;
import io.migmon.core.MigrationContext;
import io.migmon.core.ObservableMigration;
import java.sql.SQLTransientConnectionException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Random;
import java.util.function.BooleanSupplier;

/**
 * A synthetic backfill: copies {@code rows} rows of a legacy {@code orders} table into {@code customers},
 * {@code orders} and {@code order_lines} in batches, throttled to a target rate, with an occasional transient
 * error that is retried (and counted). The source rows carry update timestamps spread over the last four minutes, copied
 * oldest first, so the data lag (now minus the newest copied source timestamp) shrinks as the copy catches up.
 * Everything in memory: no database needed.
 */
public final class SampleMigration implements ObservableMigration.MigrationBody<Long, Exception> {

    private final long rows;
    private final int batchSize;
    private final double rowsPerSecond;
    private final Clock clock;
    private final BooleanSupplier stopRequested;
    private final Random random = new Random(42);

    /**
     * @param rows          rows to copy
     * @param batchSize     rows per batch
     * @param rowsPerSecond throttle (rows per second)
     * @param clock         time source
     * @param stopRequested polled between batches; true aborts the run
     */
    public SampleMigration(long rows, int batchSize, double rowsPerSecond, Clock clock, BooleanSupplier stopRequested) {
        this.rows = rows;
        this.batchSize = batchSize;
        this.rowsPerSecond = rowsPerSecond;
        this.clock = clock;
        this.stopRequested = stopRequested;
    }

    @Override
    public Long execute(MigrationContext ctx) throws Exception {
        ctx.expectRows(rows);
        Instant sourceStart = clock.instant().minus(Duration.ofMinutes(4));
        long copied = 0;
        long batches = 0;
        long startNanos = System.nanoTime();
        while (copied < rows) {
            if (stopRequested.getAsBoolean()) {
                throw new MigrationAbortedException("stopped after " + copied + " rows: stop requested");
            }
            int n = (int) Math.min(batchSize, rows - copied);
            if (++batches % 40 == 0) {
                // a transient failure: counted, retried, not fatal
                ctx.recordError(new SQLTransientConnectionException("connection reset by peer (simulated)"));
            }
            int customers = n / 10;
            int lines = n * 3 / 10;
            ctx.recordRows("customers", customers);
            ctx.recordRows("order_lines", lines);
            ctx.recordRows("orders", n - customers - lines);
            copied += n;

            // source row timestamps are spread evenly over the four minutes before the start, copied oldest first,
            // while the source keeps moving: lag = now - newest copied timestamp, shrinking as we catch up
            Instant now = clock.instant();
            double fractionCopied = (double) copied / rows;
            Duration sourceSpan = Duration.between(sourceStart, now);
            Instant newestCopied = sourceStart.plusMillis((long) (sourceSpan.toMillis() * fractionCopied));
            ctx.recordDataLag(Duration.between(newestCopied, now));

            throttle(startNanos, copied);
        }
        ctx.recordDataLag(Duration.ZERO);
        return copied;
    }

    private void throttle(long startNanos, long copied) throws InterruptedException {
        // a little jitter, like real batches
        double jitter = 0.9 + 0.2 * random.nextDouble();
        long targetNanos = (long) (copied / rowsPerSecond * 1e9 * jitter);
        long sleepNanos = targetNanos - (System.nanoTime() - startNanos);
        if (sleepNanos > 0) {
            Thread.sleep(sleepNanos / 1_000_000, (int) (sleepNanos % 1_000_000));
        }
    }
}
