package io.migmon.verify;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import javax.sql.DataSource;

/**
 * A stand-in for a CDC pipeline: a writer thread changes {@code events(id bigint primary key, v int, note text)} on
 * the source (updates and deletes of ids 1..{@code hotIds}, inserts from 1,000,000), an applier thread replays each
 * change on the target {@code delay} later, in commit order, and publishes the applied watermark: the source clock
 * read right after the commit of the last applied change (so every change committed at or before it is applied).
 * While idle the watermark advances to the source clock (a heartbeat), under the writer's lock so that no committed,
 * unqueued change can be overtaken.
 */
public final class SimulatedPipeline implements AutoCloseable {

    private record Change(String sql, long id, int v, String note, Instant committedBy, long queuedNanos) {
    }

    private final DataSource source;
    private final DataSource target;
    private final long delayNanos;
    private final int hotIds;
    private final ConcurrentLinkedDeque<Change> queue = new ConcurrentLinkedDeque<>();
    private final AtomicReference<Instant> watermark = new AtomicReference<>();
    private final AtomicLong changes = new AtomicLong();
    private final Object lock = new Object();
    private volatile boolean writing = true;
    private volatile boolean running = true;
    private final Thread writer;
    private final Thread applier;
    private volatile Throwable failure;

    public SimulatedPipeline(DataSource source, DataSource target, long delayMillis, int hotIds) {
        this.source = source;
        this.target = target;
        this.delayNanos = delayMillis * 1_000_000L;
        this.hotIds = hotIds;
        this.writer = new Thread(this::write, "simulated-writer");
        this.applier = new Thread(this::apply, "simulated-applier");
        writer.start();
        applier.start();
    }

    /** The applied watermark (what {@code CdcEventProcessor.appliedWatermark()} would return). */
    public Optional<Instant> appliedWatermark() {
        return Optional.ofNullable(watermark.get());
    }

    /** Changes written to the source so far. */
    public long changes() {
        return changes.get();
    }

    /** Stops writing; the applier continues until the queue is drained. */
    public void stopWriting() throws InterruptedException {
        writing = false;
        writer.join();
    }

    /** Waits until every written change is applied. */
    public void drain() throws InterruptedException {
        stopWriting();
        while (!queue.isEmpty()) {
            Thread.sleep(20);
        }
    }

    private void write() {
        long nextInsert = 1_000_000;
        try (Connection c = source.getConnection()) {
            while (writing) {
                ThreadLocalRandom r = ThreadLocalRandom.current();
                int op = r.nextInt(10);
                long id;
                String sql;
                if (op < 5) {
                    id = 1 + r.nextInt(hotIds);
                    sql = "UPDATE events SET v = ?, note = ? WHERE id = ?";
                } else if (op < 8) {
                    id = nextInsert++;
                    sql = "INSERT INTO events (v, note, id) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET v = EXCLUDED.v, note = EXCLUDED.note";
                } else {
                    id = 1 + r.nextInt(hotIds);
                    sql = "DELETE FROM events WHERE id = ? AND ? IS NOT NULL AND ? IS NOT NULL";
                }
                int v = r.nextInt(1_000_000);
                String note = "n" + r.nextInt(1000);
                synchronized (lock) {
                    execute(c, sql, id, v, note);
                    Instant t = clock(c);
                    queue.addLast(new Change(sql, id, v, note, t, System.nanoTime()));
                    changes.incrementAndGet();
                }
                Thread.sleep(2);
            }
        } catch (Throwable e) {
            failure = e;
        }
    }

    private void apply() {
        try (Connection t = target.getConnection(); Connection s = source.getConnection()) {
            while (running) {
                Change head = queue.peekFirst();
                if (head != null && System.nanoTime() - head.queuedNanos() >= delayNanos) {
                    execute(t, head.sql(), head.id(), head.v(), head.note());
                    watermark.set(head.committedBy());
                    queue.pollFirst();
                    continue;
                }
                if (head == null) {
                    synchronized (lock) {
                        if (queue.isEmpty()) {
                            watermark.set(clock(s));
                        }
                    }
                }
                Thread.sleep(5);
            }
        } catch (Throwable e) {
            failure = e;
        }
    }

    private static void execute(Connection c, String sql, long id, int v, String note) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            if (sql.startsWith("DELETE")) {
                ps.setLong(1, id);
                ps.setInt(2, v);
                ps.setString(3, note);
            } else {
                ps.setInt(1, v);
                ps.setString(2, note);
                ps.setLong(3, id);
            }
            ps.executeUpdate();
        }
    }

    private static Instant clock(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT clock_timestamp()")) {
            rs.next();
            return rs.getObject(1, OffsetDateTime.class).toInstant();
        }
    }

    /** A failure of the writer or applier, if any. */
    public Throwable failure() {
        return failure;
    }

    @Override
    public void close() throws InterruptedException {
        writing = false;
        running = false;
        writer.join();
        applier.join();
    }
}
