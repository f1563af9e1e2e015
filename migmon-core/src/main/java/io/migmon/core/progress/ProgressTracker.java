package io.migmon.core.progress;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * Counts work done and estimates throughput and time to completion. Thread-safe.
 *
 * <h2>Record path</h2>
 * {@link #add(long)} is one atomic add on a {@link LongAdder} and nothing else: no clock read, no shared write.
 * Everything time-related (throughput, the time of the last progress, the ETA) is derived when somebody reads: a
 * {@link #snapshot()} from a gauge scrape, {@code MigrationRun.sample()} or {@code progress()}. The rows can also be
 * counted elsewhere (the per-table adders of an {@code ObservableMigration}, which are its
 * {@code migration_rows_total} counters) and read through a {@link LongSupplier}: progress is then their sum minus
 * what they held when the tracker started.
 *
 * <h2>Throughput (the gauge)</h2>
 * An exponentially weighted moving average with time constant {@code window} (default 30 s) of the rate between
 * reads, in continuous time: a read {@code dt} after the previous one that saw {@code n} more rows does
 * {@code ewma = ewma * e^(-dt/window) + (n/dt) * (1 - e^(-dt/window))}, so the value does not depend on how often it is
 * read. The first read with rows gives the mean rate since the rows started.
 *
 * <h2>ETA (batch-aware rate model)</h2>
 * ETA = remaining rows / the rate of the current <em>regime</em>: the rows done since the regime started over the
 * active time since then (planned pauses and the body of stalls excluded): the cumulative average since the last
 * change of level. It spans many batch commits and GC pauses, so neither moves it. A change of level is a
 * statistical test that measures the rate's own noise at block lengths of 10 s to 320 s (correlation included, and
 * the wander of the regime's own level added back) and asks for a difference of at least 20% and 7 standard
 * deviations between the rate before and after a candidate read ({@code LevelShift}), the span after it at least 10 s
 * and 6 times the longest gap without progress (usual or open now: a GC pause of the process is not a new level); a
 * new regime then starts at that read, its rate measured from the read after it (that
 * interval may straddle the change) once 5 s have passed. A new steady rate is followed within about 25 s on a
 * quiet run; noise correlated over minutes is not taken for a new level. Within 10 minutes of a change, a further
 * change in the same direction (a ramp's next step) needs 5 standard deviations instead of 7. A change point needs at
 * least two read intervals after it (one interval with fewer rows is also a stall that began inside it). A ramp,
 * which no single point splits into a clearly different before and after, is found by a trend test: the regime's
 * blocks fitted as a constant, then a straight line of rate against time (at least 5 minutes of it) whose slope stands
 * out from the residuals' noise (their correlation included). It starts a <em>line regime</em>: its rate is the
 * line's now, averaged with the fits in which the ramp has ended (weighted by their likelihood, so the line is not
 * extrapolated past an end the data begin to show); a clear end starts a constant regime there.
 * <ul>
 *   <li><b>Cold start</b>: the rows of the first read that saw any came at an unknown point since the read before
 *       (a lead-in of connections and a first query, or a first batch whose work began earlier), so the rate is
 *       measured from that read on, unless the rate those rows give (from the start, else from the last read without
 *       rows) is within 20% or 2 standard deviations of the rate since (no sign of a lead-in: the data is kept; a prior
 *       noise of about 25% stands in while the noise over as long is not measured, and counted from the start a
 *       faster first interval is kept: no work began before the start; a first interval of 10 s or more has its
 *       noise shrunk towards that prior, the rate since's variance added; and after a read without rows, counted
 *       from the start, rows whose rate over the time up to that read is within 20% or one standard deviation of the
 *       rate since are kept: a quiet job's first commit holds the work since the start), and
 *       no ETA is given before both 1% of the expected rows
 *       ({@link #ETA_MIN_RATIO}) are done and {@link #ETA_MIN_ELAPSED} has passed since that read. When the first
 *       read came late (at least {@link #ETA_MIN_ELAPSED} after the previous one), the rate includes the rows
 *       before it, lead-in and all, until as long again has passed: a late first read gives an ETA at once.</li>
 *   <li><b>Stall</b>: no progress for the larger of 30 s and three times the longest usual gap between reads that
 *       saw progress: state {@link ProgressSnapshot.State#STALLED} and no ETA (NaN), not a huge number. A stall that
 *       ends within twice that limit is short: its time counts for the rate, and a second one within 30 minutes
 *       teaches the commit rhythm (as the {@code stall} detector does), so a job committing once a minute is not
 *       STALLED once its first gaps are seen. A run that has shown no progress within the limit (a quiet job) learns
 *       its rhythm from its first two similar gaps in a row (within a factor of 2, the time before its first rows
 *       counting as the first), however long. When rows come again after a longer stall, its time counts for no rate
 *       (the ETA is the one of the working run), once the run has shown reads with progress within the limit; nor do
 *       the two read intervals that bracket it, time and rows (each holds rows of an unknown share of its time: read
 *       once a minute, up to two minutes of part work).</li>
 *   <li><b>Planned pause</b> ({@link #pause}, {@link #resume}): state {@link ProgressSnapshot.State#PAUSED}; paused
 *       time counts for no rate (a pause is not a slowdown), nor do the rows made during it (a throttle's rows are
 *       done, but counting them for the rate would inflate it); the ETA is the one before the pause. A declared
 *       <em>throttle</em> (rows still coming while paused): once the rows since the first read of the pause that saw
 *       rows span the stall limit (at least 30 s) and rows keep coming within it, the ETA is the remaining rows over
 *       the throttled rate since that read (the throttle is assumed to last); when nothing comes, the rate before the
 *       pause. After {@link #resume()} the model is the one before the pause.</li>
 *   <li><b>Same instant</b>: a read at the instant of the previous one that sees no new rows leaves the model as it
 *       was, so the ETA gauge read right after {@code sample()} gives the snapshot's answer.</li>
 *   <li><b>Past the declared total</b>: while the run goes on with more rows than declared, the ETA is unknown
 *       (NaN): the total was short and what is left is not known (0 would say "done" while rows still come); the
 *       ratio stays at 1.0. Exactly at the total the ETA is 0.</li>
 *   <li><b>Finished</b> ({@link #finish(boolean)}): the counts freeze; the ETA is 0 after a success and unknown
 *       (NaN) after a failure or abort, the throughput is the one at the end.</li>
 * </ul>
 */
public final class ProgressTracker {

    /** Fraction of the total that must be done before an ETA is given. */
    public static final double ETA_MIN_RATIO = 0.01;
    /**
     * Time that must have passed since the first read that saw rows before an ETA is given. 7 s (was 10 s): on the
     * tuning seeds a 2-minute job read every second then has an ETA from 7.5% done (median error 5.6%, the
     * cumulative average's 18%) instead of from 10% (issue 12, attack 4 finding 5); 5 s gave a low-volume job's
     * first commit a 92% error at 3% done (90th percentile), 7 s does not.
     */
    public static final Duration ETA_MIN_ELAPSED = Duration.ofSeconds(7);

    private static final long STALL_MIN_MILLIS = 30_000;
    private static final long SETTLE_MIN_MILLIS = 5_000;
    private static final long GAP_MEMORY_MILLIS = 30 * 60_000;
    /** The first interval's rate within this of the rate since (log ratio) shows no lead-in: it counts. */
    private static final double LEAD_IN_BAND = Math.log(1.2);
    /** ... or within this many standard deviations of the rate over as long (measured on the reads since). */
    private static final double LEAD_IN_Z = 2;
    /** Reads that saw rows within the stall limit before a long gap's time is taken out of the rate as a stall. */
    private static final int MIN_USUAL_PROGRESS_READS = 3;
    /**
     * The span the prior noise ({@link LevelShift#PRIOR_VAR}) stands for (the shortest block of {@code LevelShift}):
     * a first interval at least this long has its noise measure shrunk towards the prior (eleventh version).
     */
    private static final long PRIOR_SPAN_MILLIS = 10_000;
    /** Weight of the prior in the first interval's noise measure, in spans (eleventh version). */
    private static final double PRIOR_SPANS = 2;
    /** Two gaps of a quiet job within this factor of each other are its commit rhythm. */
    private static final double RHYTHM_RATIO = 2;
    private static final int RING = 1024;

    private final Clock clock;
    private final long tickMillis;
    private final double windowMillis;
    private final Instant startedAt;
    private final long startMillis;
    private final LongAdder own = new LongAdder();
    private final LongSupplier external;
    private final long externalOffset;
    private volatile long expected = -1;

    // read-side state, guarded by "this"
    // the tracker's timeline (see time()): it follows the clock's forward moves and ignores its backward steps
    private long timelineMillis;
    private long lastClockMillis;
    private long lastReadMillis;
    private long lastReadDone;
    private long lastReadActive;
    private boolean seenRows;
    private long noRowsSeenMillis; // active time of the last read that saw no rows
    private long lastProgressMillis;
    private long lastProgressActive;
    // the read before the last read that saw rows (the start of that read's interval), active time and rows
    private long stallFromActive;
    private long stallFromDone;
    private double ewma;
    private double gapMillis;
    private long shortStallActive = -1; // active time at the end of the last short stall, else -1
    private long shortStallMillis;
    private int usualProgressReads; // reads that saw rows after less than the stall limit without
    // the last gap of at least the stall limit that ended with rows while the run had shown no progress within the
    // limit (the time before the first rows included), -1 if none: a quiet job's rhythm candidate
    private long quietGapMillis = -1;
    private long regimeActive;
    private long firstRowsActive; // active time of the first read that saw rows
    private boolean initialRegime; // no change of level yet
    // a line regime (twelfth version): a ramp found by the trend test, its rate the line fitted to its blocks (of
    // LevelShift's length index lineScale) at the present, until the rate leaves the line
    private boolean lineRegime;
    private int lineScale;
    private long lineOrigin; // the start of the regime the ramp began in (the line's start is refitted from it)
    private long regimeDone;
    // after a change of level: the first read after the change point (the interval before it may straddle the
    // change, so the new level is measured from here once that leaves enough time), else -1
    private long settleActive = -1;
    private long settleDone;
    private final LevelShift shift = new LevelShift();
    private final long[] ringActive = new long[RING];
    private final long[] ringDone = new long[RING];
    private int ringHead;
    private int ringSize;
    private long pausedAtMillis = -1;
    private long pausedTotalMillis;
    // rows made during declared pauses (a throttle): they count as done, not for the rate
    private long pausedRows;
    private long pauseStartDone = -1;
    // during a declared pause: the last raw count seen, the first read that saw rows (the throttle's rate is
    // measured from it: the rows of that read may be a batch in flight when the pause began) and the last one
    private long pauseLastRaw;
    private long throttleFromMillis = -1;
    private long throttleFromRaw;
    private long throttleLastRowsMillis = -1;
    private volatile String pauseReason;
    private volatile Boolean succeeded;
    private long finishedMillis;
    private long finalDone;
    // rows done before this tracker started (a run resumed from a checkpoint): done, never work of this run
    private final java.util.concurrent.atomic.AtomicLong doneBefore = new java.util.concurrent.atomic.AtomicLong();
    private double finalThroughput;

    /** A tracker with a 30 s throughput window. */
    public ProgressTracker(Clock clock) {
        this(clock, Duration.ofSeconds(1), Duration.ofSeconds(30));
    }

    /**
     * @param clock  time source (millisecond resolution is used); inject a fixed or mutable clock in tests
     * @param tick   the finest spacing of the reads the rate model remembers, at least 1 ms (default 1 s)
     * @param window time constant of the throughput EWMA, at least one tick (default 30 s)
     */
    public ProgressTracker(Clock clock, Duration tick, Duration window) {
        this(clock, tick, window, null);
    }

    /**
     * A tracker whose rows are counted elsewhere: progress is {@code rowsSource} minus its value now (plus what
     * {@link #add(long)} records).
     */
    public ProgressTracker(Clock clock, Duration tick, Duration window, LongSupplier rowsSource) {
        this.clock = Objects.requireNonNull(clock, "clock");
        if (tick == null || tick.toMillis() < 1) {
            throw new IllegalArgumentException("tick must be at least 1 ms, was " + tick);
        }
        if (window == null || window.compareTo(tick) < 0) {
            throw new IllegalArgumentException("window must be at least one tick, was " + window);
        }
        this.tickMillis = tick.toMillis();
        this.windowMillis = window.toMillis();
        this.external = rowsSource;
        this.externalOffset = rowsSource == null ? 0 : rowsSource.getAsLong();
        this.startMillis = clock.millis();
        this.startedAt = Instant.ofEpochMilli(startMillis);
        this.timelineMillis = startMillis;
        this.lastClockMillis = startMillis;
        this.lastReadMillis = startMillis;
        this.lastProgressMillis = startMillis;
    }

    /**
     * The tracker's timeline: the clock at the start, then advanced by each forward move of the clock and never moved
     * by a backward step (an NTP correction: the clock is re-anchored, so the time it hides is not lost, and nothing
     * freezes until the clock catches up). Every duration and rate of the tracker, the times of its snapshots and of
     * the anomaly samples taken from them use it; it equals the clock until the clock first steps back, and is then
     * ahead of it by the steps back. A forward step counts as elapsed time, as the clock says.
     */
    public synchronized Instant time() {
        return Instant.ofEpochMilli(tick());
    }

    /** Reads the clock and advances the timeline (see {@link #time()}); caller holds the lock. */
    private long tick() {
        long raw = clock.millis();
        if (raw > lastClockMillis) {
            timelineMillis += raw - lastClockMillis;
        }
        lastClockMillis = raw;
        return timelineMillis;
    }

    /** Declares (or corrects) the expected total; negative clears it. */
    public void expectTotal(long rows) {
        this.expected = rows < 0 ? -1 : rows;
    }

    /** Records {@code rows} units of work (zero and negative values are ignored): one atomic add. */
    public void add(long rows) {
        if (rows > 0) {
            own.add(rows);
        }
    }

    /**
     * Records {@code rows} done <em>before</em> this tracker started (zero and negative values are ignored): a run
     * resumed from its checkpoint after a restart. They count as done (the rows left for the ETA, the progress ratio)
     * but not as work of this run: neither the throughput nor the rate of the ETA counts them (recorded through
     * {@link #add(long)}, 400,000 checkpoint rows read as the first seconds' work made the ETA 93% low for the whole
     * run). The ETA's 1% gate counts the rows of this run only.
     */
    public void addDoneBefore(long rows) {
        if (rows > 0) {
            doneBefore.addAndGet(rows);
        }
    }

    /** Rows done so far, including those {@link #addDoneBefore done before} (frozen once finished). */
    public long done() {
        if (succeeded != null) {
            synchronized (this) {
                return finalDone;
            }
        }
        return rawDone() + doneBefore.get();
    }

    private long rawDone() {
        long d = own.sum();
        if (external != null) {
            d += external.getAsLong() - externalOffset;
        }
        return d;
    }

    public OptionalLong expectedTotal() {
        long e = expected;
        return e < 0 ? OptionalLong.empty() : OptionalLong.of(e);
    }

    public Instant startedAt() {
        return startedAt;
    }

    /** Starts a planned pause (no effect when already paused or finished). */
    public synchronized void pause(String reason) {
        if (succeeded != null || pauseReason != null) {
            return;
        }
        long now = tick();
        observe(now);
        pausedAtMillis = now;
        pauseStartDone = rawDone();
        pauseLastRaw = pauseStartDone;
        throttleFromMillis = -1;
        throttleLastRowsMillis = -1;
        pauseReason = reason == null || reason.isBlank() ? "planned pause" : reason;
    }

    /** Ends a planned pause (no effect when not paused). */
    public synchronized void resume() {
        if (pauseReason == null) {
            return;
        }
        long now = tick();
        observe(now);
        pausedTotalMillis += Math.max(0, now - pausedAtMillis);
        pausedAtMillis = -1;
        pausedRows += Math.max(0, rawDone() - pauseStartDone);
        pauseStartDone = -1;
        pauseReason = null;
        lastReadMillis = now;
        lastReadActive = active(now);
    }

    /** The reason of the planned pause in force, if any. */
    public Optional<String> paused() {
        return Optional.ofNullable(pauseReason);
    }

    /** Freezes the counts: the run ended with success ({@code true}) or not. Later calls are ignored. */
    public synchronized void finish(boolean success) {
        if (succeeded != null) {
            return;
        }
        long now = tick();
        observe(now);
        finalDone = rawDone() + doneBefore.get();
        finalThroughput = pauseReason != null ? 0.0 : ewma;
        finishedMillis = now;
        succeeded = success;
    }

    /** No progress for this long (active time) is a stall: the larger of 30 s and 3 usual gaps. */
    private long stallLimit() {
        return (long) Math.max(STALL_MIN_MILLIS, 3 * gapMillis);
    }

    /**
     * The rows the rate model counts: those done outside declared pauses (a throttle's rows are done, but they were
     * made in time that counts for no rate, so they must not count for it either).
     */
    private long modelDone(long raw) {
        return raw - pausedRows - (pauseStartDone >= 0 ? Math.max(0, raw - pauseStartDone) : 0);
    }

    private long active(long now) {
        long paused = pausedTotalMillis + (pausedAtMillis >= 0 ? Math.max(0, now - pausedAtMillis) : 0);
        return now - startMillis - paused;
    }

    /** Takes a consistent snapshot, updating the rate model with what happened since the previous read. */
    public ProgressSnapshot snapshot() {
        OptionalLong total = expectedTotal();
        synchronized (this) {
            if (succeeded != null) {
                Optional<Duration> eta = total.isEmpty() ? Optional.empty()
                        : succeeded || finalDone >= total.getAsLong() ? Optional.of(Duration.ZERO) : Optional.empty();
                return new ProgressSnapshot(Instant.ofEpochMilli(finishedMillis), finalDone, total, finalThroughput, eta,
                        Instant.ofEpochMilli(lastProgressMillis),
                        succeeded ? ProgressSnapshot.State.SUCCEEDED : ProgressSnapshot.State.ENDED);
            }
            long now = tick();
            long doneNow = observe(now);
            long modelNow = modelDone(doneNow);
            long activeNow = active(now);
            ProgressSnapshot.State state;
            double etaRate = Double.NaN;
            if (pauseReason != null) {
                state = ProgressSnapshot.State.PAUSED;
                etaRate = throttleRate(now, doneNow);
                if (Double.isNaN(etaRate)) {
                    etaRate = regimeRate(activeNow, modelNow);
                }
            } else if (!seenRows) {
                state = ProgressSnapshot.State.STARTING;
            } else if (activeNow - lastProgressActive >= stallLimit()) {
                state = ProgressSnapshot.State.STALLED;
            } else {
                state = ProgressSnapshot.State.RUNNING;
                etaRate = regimeRate(activeNow, modelNow);
            }
            long before = doneBefore.get();
            Optional<Duration> eta = eta(doneNow + before, doneNow, total, etaRate, activeNow - noRowsSeenMillis);
            return new ProgressSnapshot(Instant.ofEpochMilli(now), doneNow + before, total,
                    pauseReason != null ? 0.0 : ewma,
                    eta, Instant.ofEpochMilli(lastProgressMillis), state);
        }
    }

    /**
     * Updates the model with a read at {@code now}; returns rows done (all of them; the model itself counts the rows
     * of {@link #modelDone}). Caller holds the lock.
     */
    private long observe(long now) {
        long raw = rawDone();
        long doneNow = modelDone(raw);
        if (seenRows && now == lastReadMillis && doneNow == lastReadDone) {
            // nothing happened since the previous read (a gauge scrape right after sample(), a second reader at the
            // same instant): the model learns nothing, so every reader of this instant gets the same answer
            return raw;
        }
        long activeNow = active(now);
        long dt = now - lastReadMillis;
        long rows = doneNow - lastReadDone;
        boolean paused = pausedAtMillis >= 0;
        if (paused && raw > pauseLastRaw) {
            if (throttleFromMillis < 0) {
                throttleFromMillis = now;
                throttleFromRaw = raw;
            } else {
                throttleLastRowsMillis = now;
            }
            pauseLastRaw = raw;
        }
        if (!seenRows) {
            if (doneNow <= 0) {
                noRowsSeenMillis = activeNow; // the rows had not started yet (the reference of the ETA gate)
                lastReadMillis = now;
                lastReadActive = activeNow;
                return raw;
            }
            seenRows = true;
            if (lastReadActive >= STALL_MIN_MILLIS) {
                quietGapMillis = lastReadActive; // no rows from the start to the previous read: a first quiet gap
            }
            long since = Math.max(1, activeNow - noRowsSeenMillis);
            ewma = doneNow / (since / 1e3);
            // the rows of this first read came at some unknown point since the previous read (a lead-in of
            // connections and a first query, or a first batch whose work began before it): the rate is measured
            // from this read on, the only point where the count is known to match the work
            firstRowsActive = activeNow;
            initialRegime = true;
            regimeActive = activeNow;
            regimeDone = doneNow;
            shift.restartBlocks(activeNow, doneNow);
            lastProgressMillis = now;
            lastProgressActive = activeNow;
        } else if (dt > 0 && !paused) {
            double decay = Math.exp(-dt / windowMillis);
            ewma = ewma * decay + (rows / (dt / 1e3)) * (1 - decay);
        }
        // time without progress known for sure: from the read that last saw rows move to the previous read (the
        // rows of this read came at some point after it), so a sparse read schedule is not a stall
        long still = lastReadActive - lastProgressActive;
        long limit = stallLimit();
        boolean learned = false;
        if (rows > 0 && seenRows && still >= limit && usualProgressReads < MIN_USUAL_PROGRESS_READS) {
            // a run that has shown no progress within the limit (a quiet job: every gap so far at least the limit):
            // two similar gaps in a row (within RHYTHM_RATIO, the time before the first rows included) are its commit
            // rhythm, learned at once; a stall after a first commit is rarely as long as the gap before it, and a
            // longer one is not learned (the larger gap is more than twice the smaller)
            if (quietGapMillis > 0
                    && Math.max(still, quietGapMillis) <= RHYTHM_RATIO * Math.min(still, quietGapMillis)) {
                gapMillis = Math.max(gapMillis, Math.max(still, quietGapMillis));
                learned = true;
            }
            quietGapMillis = still;
        }
        if (rows > 0 && seenRows && still >= limit && still <= 2 * limit) {
            // a short stall (it ended by itself within twice the limit): a quiet job's commit rhythm may be longer
            // than the limit it has not learned yet, so its time counts for the rate like a gap, and a second one
            // within the gap memory teaches the rhythm (as the stall detector does); one alone teaches nothing
            if (shortStallActive >= 0 && activeNow - shortStallActive <= GAP_MEMORY_MILLIS) {
                gapMillis = Math.max(gapMillis, Math.max(still, shortStallMillis));
                learned = true;
            }
            shortStallActive = activeNow;
            shortStallMillis = still;
        } else if (rows > 0 && seenRows && still > 2 * limit && usualProgressReads < MIN_USUAL_PROGRESS_READS) {
            // a long gap before the run has shown that it commits within the limit (the first gaps of a quiet
            // job): its time counts for the rate; it teaches no rhythm (it was not short)
        } else if (rows > 0 && seenRows && still > 2 * limit) {
            // the end of a stall: it began at an unknown point in the interval of the last read that saw rows before
            // it, and ended at an unknown point in this one; those two intervals hold rows of an unknown share of
            // their time, so they count for no rate, time nor rows (like a pause's), along with the stall between
            // them: read once a minute, they are two minutes of part work that would otherwise pull the rate down
            long excludedTime = activeNow - stallFromActive;
            long excludedRows = doneNow - stallFromDone;
            pausedTotalMillis += excludedTime;
            pausedRows += excludedRows;
            activeNow = active(now);
            doneNow = modelDone(raw);
            // the reads from the stall's first interval on are forgotten (their active times no longer count)
            while (ringSize > 0 && ringActive[(ringHead + ringSize - 1) % RING] > stallFromActive) {
                ringSize--;
            }
            if (regimeActive > activeNow) {
                regimeActive = activeNow;
                regimeDone = doneNow;
            }
            settleActive = -1;
            lineRegime = false; // the line's blocks across the stall are gone: the regime's mean from here
            shift.stallEnded(stallFromActive, activeNow);
            shift.restartBlocks(activeNow, doneNow);
        }
        if (rows > 0) {
            long gap = Math.max(0, lastReadActive - lastProgressActive);
            if (!learned && gap > 0 && gap < limit) {
                // the longest usual gap between reads that saw progress, decaying by half every 10 minutes
                gapMillis = Math.max(gap, gapMillis * Math.pow(0.5, gap / 600_000.0));
            }
            if (still < limit) {
                usualProgressReads++;
            }
            // the read before this one: where a stall that begins after this read's rows has its first interval
            stallFromActive = lastReadActive;
            stallFromDone = lastReadDone;
            lastProgressMillis = now;
            lastProgressActive = activeNow;
        }
        // no change of level is looked for in a stall (a rate "after" that is only the stall's start would be one);
        // its end blocks the candidates across it
        if (!paused && !(rows == 0 && activeNow - lastProgressActive >= limit)) {
            detectShift(activeNow, doneNow);
        }
        remember(activeNow, doneNow);
        lastReadMillis = now;
        lastReadActive = activeNow;
        lastReadDone = doneNow;
        return raw;
    }

    private void remember(long activeNow, long doneNow) {
        if (ringSize > 0) {
            int last = (ringHead + ringSize - 1) % RING;
            if (activeNow - ringActive[last] < Math.max(tickMillis, 1000)) {
                return;
            }
        }
        if (ringSize == RING) {
            ringHead = (ringHead + 1) % RING;
            ringSize--;
        }
        int i = (ringHead + ringSize) % RING;
        ringActive[i] = activeNow;
        ringDone[i] = doneNow;
        ringSize++;
    }

    /** The remembered read closest to, and not after, active time {@code at}; index or -1. */
    private int at(long at) {
        int found = -1;
        for (int k = ringSize - 1; k >= 0; k--) {
            int i = (ringHead + k) % RING;
            if (ringActive[i] <= at) {
                return i;
            }
            found = i;
        }
        return found;
    }

    private void detectShift(long activeNow, long doneNow) {
        shift.observe(activeNow, doneNow);
        long gap = Math.max((long) gapMillis, activeNow - lastProgressActive);
        if (lineRegime) {
            // a ramp: its rate is the line's; the step test is not run (a ramp is a change at every read), the end
            // test asks whether the latest blocks left the line; a constant regime starts where they did
            double[] fit = shift.lineFit(lineOrigin, lineScale, activeNow);
            long end = fit == null || fit[1] < LevelShift.LINE_END_F ? -1 : (long) fit[2];
            int e = end < 0 ? -1 : at(end);
            if (e >= 0 && ringActive[e] > regimeActive && ringActive[e] < activeNow && ringDone[e] > regimeDone) {
                shift.lineEnded(ringActive[e]);
                lineRegime = false;
                regimeActive = ringActive[e];
                regimeDone = ringDone[e];
                int next = (e + 1) % RING;
                boolean last = next == (ringHead + ringSize) % RING;
                settleActive = last ? activeNow : ringActive[next];
                settleDone = last ? doneNow : ringDone[next];
            }
            return;
        }
        int i = shift.test(ringActive, ringDone, ringHead, ringSize, activeNow, doneNow, regimeActive, regimeDone, gap);
        int j = shift.trendScale(gap);
        long from = i >= 0 ? -1 : shift.rampStart(regimeActive, j);
        if (from >= 0) {
            // a ramp (twelfth version): a line regime from where the ramp began (the best fit of the regime's blocks
            // as a constant, then a line), its rate the line's at the present
            int r = at(from);
            if (r >= 0 && ringActive[r] >= regimeActive && ringActive[r] < activeNow && ringDone[r] >= regimeDone) {
                lineOrigin = regimeActive;
                regimeActive = ringActive[r];
                regimeDone = ringDone[r];
                initialRegime = false;
                settleActive = -1;
                lineRegime = true;
                lineScale = j;
            }
            return;
        }
        if (i >= 0) {
            long span = ringActive[i] - regimeActive;
            shift.shifted(regimeActive, (ringDone[i] - regimeDone) / (double) span, ringActive[i],
                    (doneNow - ringDone[i]) / (double) Math.max(1, activeNow - ringActive[i]));
            regimeActive = ringActive[i];
            regimeDone = ringDone[i];
            initialRegime = false;
            int next = (i + 1) % RING;
            boolean last = next == (ringHead + ringSize) % RING; // the change point is the last remembered read
            settleActive = last ? activeNow : ringActive[next];
            settleDone = last ? doneNow : ringDone[next];
        }
    }

    /**
     * The rate of a declared throttle (rows still coming in a declared pause), rows per second: the rows since the
     * first read of the pause that saw rows over the time since, once that spans the stall limit and rows came after
     * it within the stall limit; else NaN (a pause with nothing coming, or only a batch in flight at its start: the
     * rate before the pause is the estimate).
     */
    private double throttleRate(long now, long rawNow) {
        long limit = stallLimit();
        if (throttleFromMillis < 0 || throttleLastRowsMillis <= throttleFromMillis || now - throttleFromMillis < limit
                || now - throttleLastRowsMillis >= limit) {
            return Double.NaN;
        }
        return (rawNow - throttleFromRaw) / ((now - throttleFromMillis) / 1e3);
    }

    private double regimeRate(long activeNow, long doneNow) {
        if (initialRegime) {
            // measured from the first read that saw rows once that spans the minimum time and as long as the
            // interval before it (a sparse or late first read); until then from the last read without rows
            // (lead-in included) if that interval was long, else no rate yet
            long lead = firstRowsActive - noRowsSeenMillis;
            long span = activeNow - firstRowsActive;
            if (span < Math.max(ETA_MIN_ELAPSED.toMillis(), lead)) {
                return lead < ETA_MIN_ELAPSED.toMillis() ? Double.NaN
                        : doneNow / (Math.max(1, activeNow - noRowsSeenMillis) / 1e3);
            }
            // the first interval is kept when its rate matches the rate since (no sign of a lead-in, nor of a first
            // batch begun before it): dropping it would lose data for nothing; a symmetric band, so keeping it
            // does not favour a fast first interval
            // the first rows' work began after the start and by the last read without rows: either end is kept when
            // the rate it gives the first rows matches the rate since, the start first (a quiet job's first commit
            // holds the work since the start, which the cumulative average counts too)
            // the first interval is left out only on evidence of a lead-in (tenth version): without it the data is
            // kept, and the rate is the cumulative average over active time. No evidence is: a difference within 2
            // standard deviations of the rate's noise over as long, the prior noise (a CV of about 25%) standing in
            // while fewer than two such spans measure it (read once a minute, a first minute 20% off is within the
            // noise of a 25% CV; a 20 s lead-in read every second is not), or, counted from the start, a first
            // interval faster than the rest (no work can have begun before the start: a fast one is noise)
            if (doneNow > regimeDone) {
                double since = (doneNow - regimeDone) / (double) span;
                for (long from : new long[] {0, noRowsSeenMillis}) {
                    long first = firstRowsActive - from;
                    if (first <= 0) {
                        continue;
                    }
                    double logRatio = Math.log(regimeDone / (double) first / since);
                    double noise = leadInNoise(first, span);
                    if ((from == 0 && logRatio >= 0)
                            || Math.abs(logRatio) <= Math.max(LEAD_IN_BAND, LEAD_IN_Z * noise)) {
                        return doneNow / ((activeNow - from) / 1e3);
                    }
                    // counted from the start after a read without rows (eleventh version): the first rows were
                    // committed after that read, but a batch's work may have begun at the start (a quiet job's first
                    // commit read once a minute holds the work since the start, yet lacks the time from its commit to
                    // the read); no evidence of a lead-in either when those rows' rate over the time up to the read
                    // without rows is within 20% or one standard deviation of the rate since
                    if (from == 0 && noRowsSeenMillis > 0
                            && Math.log(regimeDone / (double) noRowsSeenMillis / since)
                                    >= -Math.max(LEAD_IN_BAND, noise)) {
                        return doneNow / ((activeNow - from) / 1e3);
                    }
                }
            }
        }
        if (lineRegime) {
            double[] fit = shift.lineFit(lineOrigin, lineScale, activeNow);
            if (fit != null && fit[0] > 0) {
                return fit[0] * 1e3;
            }
        }
        long fromActive = regimeActive;
        long fromDone = regimeDone;
        if (settleActive >= 0 && activeNow - settleActive >= SETTLE_MIN_MILLIS) {
            fromActive = settleActive;
            fromDone = settleDone;
        }
        long span = activeNow - fromActive;
        return span <= 0 ? Double.NaN : (doneNow - fromDone) / (span / 1e3);
    }

    /**
     * The standard deviation of the log of the ratio of a first interval {@code first} ms long to the rate over the
     * {@code since} ms after it. Below {@link #PRIOR_SPAN_MILLIS}: the measured spread over spans as long, the prior
     * while fewer than two spans measure it (the tenth version). From it on (eleventh version), the evidence is thin
     * while few spans measure the noise and correlated spans read around their own mean understate it (read once a
     * minute, two to five spans with a noise correlated over two minutes gave a third of the true spread, and a first
     * minute slowed by noise was taken for a lead-in): the spread is shrunk towards the prior by
     * {@link #PRIOR_SPANS} spans, and the variance of the rate since (scaled by {@code first / since}, as if
     * independent) is added, as the ratio has two noisy ends.
     */
    private double leadInNoise(long first, long since) {
        Spread spread = spread(first);
        double measured = spread.sd();
        int spans = Double.isNaN(measured) ? 0 : spread.spans();
        if (first < PRIOR_SPAN_MILLIS) {
            return spans == 0 ? Math.sqrt(LevelShift.PRIOR_VAR) : measured;
        }
        double sum = spans == 0 ? 0 : spans * measured * measured;
        double var = (sum + PRIOR_SPANS * LevelShift.PRIOR_VAR) / (spans + PRIOR_SPANS);
        return Math.sqrt(var * (1 + Math.min(1, first / (double) since)));
    }

    /**
     * {@code sd}: the standard deviation of the log of the rate over {@code spans} consecutive spans; NaN with fewer
     * than two spans (the noise over that long is not known yet).
     */
    private record Spread(double sd, int spans) { }

    /**
     * The spread of the log of the rate over consecutive spans of at least {@code length} ms of the remembered reads
     * since the first that saw rows (the noise a first interval that long would show).
     */
    private Spread spread(long length) {
        double sum = 0;
        double sum2 = 0;
        int n = 0;
        long fromActive = -1;
        long fromDone = 0;
        for (int k = 0; k < ringSize; k++) {
            int i = (ringHead + k) % RING;
            if (ringActive[i] < firstRowsActive) {
                continue;
            }
            if (fromActive < 0) {
                fromActive = ringActive[i];
                fromDone = ringDone[i];
            } else if (ringActive[i] - fromActive >= length) {
                long rows = ringDone[i] - fromDone;
                if (rows > 0) {
                    double log = Math.log(rows / (double) (ringActive[i] - fromActive));
                    sum += log;
                    sum2 += log * log;
                    n++;
                }
                fromActive = ringActive[i];
                fromDone = ringDone[i];
            }
        }
        return new Spread(n < 2 ? Double.NaN : Math.sqrt(Math.max(0, (sum2 - sum * sum / n) / (n - 1))), n);
    }

    /**
     * @param doneNow all rows done (with those done before the run)
     * @param runDone the rows of this run (the 1% gate: evidence of the rate)
     */
    private static Optional<Duration> eta(long doneNow, long runDone, OptionalLong total, double rate,
                                          long rowsElapsedMillis) {
        if (total.isEmpty()) {
            return Optional.empty();
        }
        long expectedRows = total.getAsLong();
        if (doneNow > expectedRows) {
            // past the declared total while the run goes on: the total was short, and how much is left is unknown
            // (0 would read "done" on a dashboard while rows still come); 0 is for a success
            return Optional.empty();
        }
        if (doneNow == expectedRows) {
            return Optional.of(Duration.ZERO);
        }
        if (runDone < ETA_MIN_RATIO * expectedRows || rowsElapsedMillis < ETA_MIN_ELAPSED.toMillis()
                || !(rate > 0)) {
            return Optional.empty();
        }
        double seconds = (expectedRows - doneNow) / rate;
        if (seconds > Duration.ofDays(365 * 100L).getSeconds()) {
            return Optional.empty();
        }
        return Optional.of(Duration.ofNanos((long) (seconds * 1e9)));
    }
}
