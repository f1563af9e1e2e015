package io.migmon.core.anomaly;

import io.migmon.core.Severity;

import io.migmon.core.support.Require;

import io.migmon.core.metrics.MetricCatalog;
import java.time.Duration;
import java.util.Locale;

/**
 * Learns the run's own throughput and flags large departures from it: type {@code throughput_drop} (built with
 * {@link #drops()}, WARNING by default) or {@code throughput_spike} (built with {@link #spikes()}, INFO by default).
 * No expected rate needs to be configured. Every setting is a duration, so samples every second or every minute give
 * the same verdicts.
 *
 * <h2>Method</h2>
 * <b>Rate.</b> Each sample gives the rate over the last {@code window} of time (default 60 s; the last interval when
 * samples are further apart), which averages over several batch commits and GC pauses.
 *
 * <p><b>Commit rhythm.</b> The detector learns the longest usual quiet time between commits (a decaying maximum,
 * half-life 30 minutes, of the time from the last sample that showed progress to the last one that did not; a
 * quiet time of two windows or three usual ones is a stall, not learned). When three of them are longer than the
 * window, the rate is measured over them instead (at most 4 windows): a 60 s window of a stream that commits once a
 * minute holds 0, 1 or 2 commits, which is quantization, not a rate. {@link #rateWindowSeconds()} tells which span
 * the last rate covered.
 *
 * <p><b>Baseline.</b> An exponentially weighted mean of that rate and an exponentially weighted mean absolute
 * deviation (the rate's own noise; {@code sd ≈ 1.25 mad}, floored at 5% of the mean), both weighted by the time each
 * sample covers: {@code a = 1 - exp(-dt / memory)} (default memory 5 minutes), an ordinary average during the
 * warm-up (default 5 minutes, which only learns). <b>The baseline does not learn from suspect samples</b>: a rate
 * below {@code 1 - minChange/2} or above {@code 1 + minChange/2} times the mean (the halfway marks to the drop and
 * spike limits) is not learned at the normal speed (a rate past a limit not at all), so a slide into a collapse does
 * not drag the baseline down nor widen the noise band,
 * and the baseline stays frozen while a deviation is open. <b>Lagged learning</b>: a rate between the halfway mark and
 * the limit (suspect, not abnormal) is learned 4x more slowly, so a gradual change (a daily trough) is followed
 * while a collapse past the limit is not; a drop baseline does not learn a catch-up (a rate above the baseline while
 * a backlog is owed). A new level that lasts longer than
 * {@code relearnAfter} (default 30 minutes) becomes the baseline (a firing anomaly then resolves).
 *
 * <p><b>Drop noise.</b> For drops the noise is also learned from the suspect rates within the drop and spike limits
 * (0.5-0.75 and 1.5-2 times the mean by default) that last no longer than a window: a genuinely noisy stream's
 * healthy dips widen the drop band (the central band alone gave a stream with a spread of 0.9 of its mean a band of
 * ~24%), while a slide into a collapse (suspect for longer than a window) does not. The rate over
 * {@code 4 x window} passes the drop's statistical test only when it is itself below the drop limit.
 *
 * <p><b>Tail noise.</b> The detector also learns the mean absolute deviation of the rate from the mean (relative to
 * it; memory one hour, at most 1/48 weight per sample) from <i>every</i> sample, tails included, and the mean excess
 * above it apart; a run of suspect rates on one side longer than 3 windows or 2 sampling intervals is left out (a
 * drop or a surge does not widen the noise that judges the next one). Once it has seen 30 minutes, a drop must also
 * be {@code sigmas} of it below the mean and a spike {@code sigmas} of the upper one above (the automatic seasonal
 * verdict too): a stream whose healthy rows spread to a tenth of their mean has that spread as its noise.
 * <b>Evidence in time:</b> a run of rates below the halfway mark is also judged by its average over the run, against
 * the tail noise of an average of that many independent rates (one per window or interval) with {@code sigmas + 2},
 * so a collapse inside a wide band is still a drop.
 *
 * <p><b>Verdict.</b> A rate is abnormal when it is both statistically far from the mean (more than {@code sigmas}
 * standard deviations, default 3) and materially far: below {@code (1 - minChange)} times the mean for drops
 * (default 0.5) or above {@code (1 + minChange)} for spikes (default 1.0, double). Fires after 60 s of abnormal
 * samples, clears after 120 s of normal ones (defaults).
 *
 * <p><b>Catch-up is not a spike.</b> While the rate is below the drop limit (or during a planned pause) the rows missing against the
 * baseline are counted as a backlog; a high rate afterwards first pays it back and is judged normal until the backlog
 * is caught up and the window has moved past the catch-up (a planned pause is credited for at most
 * {@code relearnAfter} of the baseline rate). A backlog that is not caught up (the rate went back to
 * normal) is forgotten with a half-life of 10 minutes.
 *
 * <p><b>Automatic seasonal baseline</b> (default; {@link Builder#autoSeasonal(boolean)} opts out): the rate is also
 * kept in buckets of {@code 4 x window} for 15 days; every hour of data the detector looks for a period (the
 * autocorrelation of the buckets, lags of 2 hours to half the history; within 5% of a day or a week it is that day
 * or week) and adopts it when the stream is periodic (autocorrelation at least 0.3 and seasonal residuals narrower
 * than the spread). From then on (a daily pattern after two days) the rate over {@code 4 x window} is judged
 * against the same time of the last 4 periods times the recent level, with a robust noise scale (see
 * {@link #detectedPeriod()}); before that, or without a period, as above. Once a deviation has lasted
 * {@code fireAfter}, a rate between the limit and halfway back to the expectation neither fires nor clears (one
 * episode, one alert).
 *
 * <p><b>Seasonal baseline</b> (explicit, {@link Builder#seasonal}): for runs and pipelines that last days, a
 * baseline per slot of a period (e.g. 24 hourly slots of a day) learned from the previous periods; a slot that has
 * seen a full period is used instead of the running baseline, so a nightly slowdown that happens every night is
 * not a drop.
 */
public final class ThroughputBaselineDetector extends HysteresisDetector {

    /** Type of anomalies raised by {@link #drops()}. */
    public static final String DROP = "throughput_drop";
    /** Type of anomalies raised by {@link #spikes()}. */
    public static final String SPIKE = "throughput_spike";

    private static final double MIN_RELATIVE_STD = 0.05;
    private static final double MAD_TO_SD = 1.25;
    private static final double CREDIT_HALF_LIFE_SECONDS = 600;
    /** Suspect (but not abnormal) rates are learned with this multiple of the memory. */
    private static final double SLOW_LEARNING = 4;
    /** The rate window is at least this many times the longest usual quiet time between commits. */
    private static final double RHYTHM_GAPS = 3;
    /** ... up to this multiple of the configured window. */
    private static final int RHYTHM_MAX_WINDOWS = 4;
    /** Half-life of the learned longest quiet time, seconds. */
    private static final double GAP_HALF_LIFE_SECONDS = 1800;
    /** The long reference level learns with this multiple of the memory (30 minutes by default). */
    private static final double LONG_MEMORY = 6;
    /**
     * A rate (and the rate over {@link #LONG_WINDOWS} windows) below this fraction of the long reference level is a
     * drop. Below the baseline's own 0.5: a daily trough reaches 0.43 of the peak in the simulated traces (a trough
     * at 60% of the mean, a peak at 140%), a slide into a collapse ends near 0.3 of the level it left.
     */
    private static final double REFERENCE_FRACTION = 0.4;
    /** The long rate (and its noise) is measured over this many windows. */
    private static final int LONG_WINDOWS = 4;
    /** Memory of the tail noise scale, seconds of the stream's own clock. */
    private static final double TAIL_MEMORY_SECONDS = 3600;
    /** ... but each sample weighs at most this much: a tail needs samples, whatever the interval. */
    private static final double TAIL_MAX_WEIGHT = 1.0 / 48;
    /** A run of suspect rates counts as noise for the tail scale when it lasts at most this many windows ... */
    private static final double TAIL_RUN_WINDOWS = 3;
    /** ... or this many sampling intervals (a rate over one interval cannot show a shorter run). */
    private static final double TAIL_RUN_INTERVALS = 2;
    /** At most this many samples of a suspect run are held until the run is known to be noise. */
    private static final int TAIL_PENDING = 256;
    /** The tail scale is used once it has seen this much of the stream (after the warm-up). */
    private static final double TAIL_KNOWN_SECONDS = 1800;
    /**
     * A run of low rates is judged with this many more standard deviations than one rate: a heavy-tailed stream
     * shows runs of several low rows by chance (its low rows are a mode of their own, not a Gaussian tail).
     */
    private static final double RUN_EXTRA_SIGMAS = 2;

    private final Builder settings;
    private final boolean drop;
    private final RateWindow window;
    /** Rates over up to {@link #RHYTHM_MAX_WINDOWS} windows, for streams that commit rarely. */
    private final RateWindow rhythmWindow;
    private final double[] covered = new double[1];
    private long lastProgressMillis = Long.MIN_VALUE;
    private long lastQuietMillis = Long.MIN_VALUE;
    private double quietMax;
    private long quietMaxAtMillis;
    private double rateWindowSeconds = Double.NaN;
    private final double windowSeconds;
    private final double memorySeconds;
    private final double warmUpSeconds;
    private final double relearnSeconds;
    private long startMillis = Long.MIN_VALUE;
    private long previousMillis;
    private long previousRows;
    private double learnedSeconds;
    private double mean;
    private double scale;
    /**
     * The drop test's noise: mean absolute deviation learned from every rate within the drop and spike limits (not
     * only the central band the baseline learns from), so a genuinely noisy stream gets a band as wide as its noise.
     */
    private double wideScale;
    /** The long reference level: the level of the last half hour or so, learned with lagged learning below it. */
    private double reference = Double.NaN;
    /** Noise of the rate over {@link #LONG_WINDOWS} windows (mean absolute deviation from the mean). */
    private double longScale;
    private double longScaleSeconds;
    private final double[] longCovered = new double[1];
    /** Fell below the long reference level and the short baseline has not come back near it since. */
    private boolean belowReference;
    /**
     * The tail noise scale: the mean absolute relative deviation of the rate (and of the rate over
     * {@link #LONG_WINDOWS} windows) from the baseline, learned from every sample, tails included, except the samples
     * of a run of suspect rates longer than a few windows (a real drop or surge). Not learned from the central band
     * only: a stream whose healthy rate spreads to 0.1x its mean has that spread as its noise.
     */
    private double tailRel;
    /**
     * The upper side alone (twice the mean of {@code max(0, rate / mean - 1)}): spikes are judged on it, so a stream
     * whose healthy rows reach several times its mean has that as its noise.
     */
    private double tailUpRel;
    private double tailLongRel;
    private double tailSeconds;
    private double tailLongSeconds;
    private long typicalStepMillis;
    private long tailRunStartMillis = Long.MIN_VALUE;
    private long lowRunStartMillis = Long.MIN_VALUE;
    private long lowRunStartRows;
    private boolean tailRunDiscarded;
    private int tailRunSide;
    private int tailPendingCount;
    private final double[] tailPendingRel = new double[TAIL_PENDING];
    private final double[] tailPendingLongRel = new double[TAIL_PENDING];
    private final double[] tailPendingDt = new double[TAIL_PENDING];
    private double suspectSeconds;
    private double backlogRows;
    private long catchUpUntilMillis = Long.MIN_VALUE;
    private final double[] seasonMean;
    private final double[] seasonScale;
    private final double[] seasonSeconds;
    private final double periodSeconds;
    private double value = Double.NaN;
    private double threshold = Double.NaN;
    private double baseline = Double.NaN;
    private boolean catchingUp;
    /** The automatic seasonal baseline (null when opted out or when an explicit seasonal baseline is set). */
    private final SeasonalProfile profile;
    private boolean judgedSeasonally;
    private long seasonalRunSince = Long.MIN_VALUE;
    private long seasonalRunUntil;

    private ThroughputBaselineDetector(Builder settings) {
        super(settings.drop ? DROP : SPIKE, MetricCatalog.MIGRATION_THROUGHPUT, settings);
        this.settings = settings;
        this.drop = settings.drop;
        this.window = new RateWindow(settings.window.toMillis());
        this.rhythmWindow = new RateWindow(RHYTHM_MAX_WINDOWS * settings.window.toMillis());
        this.windowSeconds = seconds(settings.window);
        this.memorySeconds = seconds(settings.memory);
        this.warmUpSeconds = seconds(settings.warmUp);
        this.relearnSeconds = seconds(settings.relearnAfter);
        this.periodSeconds = settings.period == null ? 0 : seconds(settings.period);
        int slots = settings.period == null ? 0 : settings.slots;
        this.seasonMean = new double[slots];
        this.seasonScale = new double[slots];
        this.seasonSeconds = new double[slots];
        this.profile = settings.autoSeasonal && settings.period == null
                ? new SeasonalProfile(LONG_WINDOWS * settings.window.toMillis()) : null;
    }

    /** A builder for throughput drops ({@code throughput_drop}). */
    public static Builder drops() {
        return new Builder(true);
    }

    /** A builder for throughput spikes ({@code throughput_spike}). */
    public static Builder spikes() {
        return new Builder(false);
    }

    @Override
    public Condition evaluate(Sample sample) {
        long now = sample.at().toEpochMilli();
        long rows = sample.rowsDone();
        if (startMillis == Long.MIN_VALUE) {
            startMillis = now;
            previousMillis = now;
            previousRows = rows;
        }
        double stepSeconds = (now - previousMillis) / 1e3;
        double dt = Math.min(stepSeconds, Math.max(windowSeconds, 1));
        long previousSampleMillis = previousMillis;
        long intervalRows = rows - previousRows;
        if (profile != null) {
            profile.add(previousMillis, now, Math.max(0, intervalRows));
        }
        previousMillis = now;
        previousRows = rows;
        window.add(now, rows, sample.errors());
        rhythmWindow.add(now, rows, sample.errors());
        learnRhythm(now, intervalRows > 0);
        catchingUp = false;
        double longSpan = LONG_WINDOWS * windowSeconds;
        double longRate = rhythmWindow.rowRateOver(Math.round(longSpan * 1000), longCovered);
        if (longCovered[0] < 0.9 * longSpan) {
            longRate = Double.NaN;
        }
        double span = Math.min(RHYTHM_GAPS * quietMax(now), RHYTHM_MAX_WINDOWS * windowSeconds);
        double rate;
        if (span > windowSeconds) {
            // a stream that commits rarely: a window of one or two commits is all quantization (an empty minute
            // looked like a drop); the rate is measured over several of its usual quiet times
            rate = rhythmWindow.rowRateOver(Math.round(span * 1000), covered);
            if (covered[0] < 0.9 * span) {
                value = rate;
                threshold = Double.NaN;
                return Condition.UNKNOWN;
            }
            rateWindowSeconds = span;
        } else {
            if (!window.full()) {
                value = window.rowRate();
                threshold = Double.NaN;
                return Condition.UNKNOWN;
            }
            rate = window.rowRate();
            rateWindowSeconds = windowSeconds;
        }
        value = rate;
        if (learnedSeconds < warmUpSeconds) {
            learn(rate, dt, true, now);
            learnLong(longRate, dt);
            reference = mean;
            threshold = Double.NaN;
            return Condition.UNKNOWN;
        }
        int slot = slot(now - settings.window.toMillis() / 2); // the slot of the middle of the window the rate covers
        boolean seasonal = slot >= 0 && seasonSeconds[slot] >= periodSeconds / seasonMean.length;
        double m = seasonal ? seasonMean[slot] : mean;
        double sc = seasonal ? seasonScale[slot] : scale;
        double sd = Math.max(MAD_TO_SD * sc, MIN_RELATIVE_STD * Math.abs(m));
        // drops are judged against the noise of every rate within the limits (a noisy stream's healthy dips below
        // 0.75 of the mean are noise, not suspects); spikes keep the central band's noise
        double dropSd = drop && !seasonal ? Math.max(sd, MAD_TO_SD * wideScale) : sd;
        double k = settings.sigmas;
        double low = Math.min(m - k * dropSd, (1 - settings.dropChange) * m);
        double high = Math.max(m + k * sd, (1 + settings.spikeChange) * m);
        // the statistical test may also be passed by the rate over LONG_WINDOWS windows against its own (smaller)
        // noise: a batchy stream with long GC pauses has a noisy 60 s rate (a 15 s pause is a quarter of it), and a
        // 3-sigma band of that noise reached below 30% of the mean, so a real drop to 30% was never far enough
        double longSd = Math.max(MAD_TO_SD * longScale, MIN_RELATIVE_STD * Math.abs(m));
        boolean longKnown = !seasonal && !Double.isNaN(longRate) && longScaleSeconds >= 2 * longSpan;
        // the tail noise (every rate the stream showed, tails included): a deviation inside it is noise, however far
        // from the central band
        double tailSd = tailKnown() ? MAD_TO_SD * tailRel * Math.abs(m) : 0;
        double tailLongSd = tailKnown() ? MAD_TO_SD * tailLongRel * Math.abs(m) : 0;
        boolean isLow = rate < (1 - settings.dropChange) * m
                && (rate < m - k * Math.max(dropSd, tailSd)
                        || longKnown && longRate < m - k * Math.max(longSd, tailLongSd)
                                && longRate < (1 - settings.dropChange) * m);
        if (isLow && rate >= low) {
            low = (1 - settings.dropChange) * m; // passed on the long rate's noise: the limit was the relative one
        }
        // the long reference level: a slide into a collapse slow enough for the 5-minute baseline to follow is
        // still a drop when it ends below 40% of the level of the last half hour (REFERENCE_FRACTION)
        double ref = seasonal || Double.isNaN(reference) ? m : reference;
        double refSd = Math.max(MAD_TO_SD * sc, MIN_RELATIVE_STD * Math.abs(ref));
        // both the rate and the rate over LONG_WINDOWS windows: noise dips in a deep daily trough are not a slide
        double refLimit = REFERENCE_FRACTION * ref;
        boolean refDip = !isLow && !Double.isNaN(longRate) && rate < refLimit
                && longRate < refLimit && rate < ref - k * refSd;
        boolean refLow = refDip && rate < ref - k * tailSd / Math.max(Math.abs(m), 1e-12) * ref;
        // evidence in time: a run of low rates, each within the tail noise, is a drop once its average is far below
        // the mean against the noise of an average over that many independent rates (one per window or interval)
        double lowRunRate = lowRun(now, previousSampleMillis, rows, intervalRows, rate < (1 - settings.dropChange / 2) * m);
        if (!isLow && !refLow && tailSd > 0 && !Double.isNaN(lowRunRate)) {
            double independent = (now - lowRunStartMillis) / 1e3 / Math.max(windowSeconds, typicalStepMillis / 1e3);
            double runLimit = Math.min((1 - settings.dropChange) * m,
                    m - (k + RUN_EXTRA_SIGMAS) * tailSd / Math.sqrt(Math.max(1, independent)));
            if (lowRunRate < runLimit) {
                isLow = true;
                low = runLimit;
            }
        }
        if (refLow) {
            isLow = true;
            low = Math.min(ref - k * refSd, refLimit);
        }
        // after a fall below the long reference level, a return to it is a recovery, not a spike, until the short
        // baseline is back near it
        if (refDip) {
            belowReference = true;
        } else if (m >= (1 - settings.dropChange / 2) * ref) {
            belowReference = false;
        }
        if (belowReference) {
            high = Math.max(high, (1 + settings.spikeChange) * ref);
        }
        boolean isHigh = rate > high && rate > m + k * (tailKnown() ? MAD_TO_SD * tailUpRel * Math.abs(m) : 0);
        boolean suspectLow = refLow || rate < (1 - settings.dropChange / 2) * m;
        boolean suspectHigh = rate > (1 + settings.spikeChange / 2) * m;
        baseline = refLow ? ref : m;
        threshold = drop ? low : high;

        // the backlog: rows missing against the baseline while the rate is low
        double expected = m * dt;
        if (!suspectLow && !suspectHigh) {
            backlogRows *= Math.pow(0.5, dt / CREDIT_HALF_LIFE_SECONDS); // back to normal without catching up
        }
        if (isLow) {
            backlogRows += Math.max(0, expected - intervalRows); // a real slowdown, not noise
        }
        if (!drop && (isHigh || suspectHigh) && (backlogRows > 0 || now < catchUpUntilMillis)) {
            if (backlogRows > 0) {
                backlogRows = Math.max(0, backlogRows - Math.max(0, intervalRows - expected));
                catchUpUntilMillis = now + settings.window.toMillis();
            }
            catchingUp = true;
            isHigh = false;
        }
        // a drop baseline does not learn a catch-up (above the baseline while rows are still missing): learnt, it
        // would leave the baseline too high once the rate is back to normal
        boolean repaying = drop && rate > m && backlogRows > 0;
        if (repaying) {
            backlogRows = Math.max(0, backlogRows - Math.max(0, intervalRows - expected));
        }

        learnTail(rate, longRate, m, suspectLow ? -1 : suspectHigh ? 1 : 0, now, previousSampleMillis, stepSeconds);
        if (!suspectHigh) {
            learnReference(rate, dt);
        }
        if (suspectLow || suspectHigh) {
            suspectSeconds += dt;
            if (suspectSeconds >= relearnSeconds) {
                // a lasting new level: it becomes the baseline (and the long reference)
                double relative = mean > 0 ? scale / mean : 0;
                double longRelative = mean > 0 ? longScale / mean : 0;
                double wideRelative = mean > 0 ? wideScale / mean : 0;
                mean = rate;
                scale = relative * rate;
                wideScale = wideRelative * rate;
                longScale = longRelative * rate;
                reference = rate;
                belowReference = false;
                suspectSeconds = 0;
            } else if (!isLow && !isHigh && !repaying) {
                // lagged learning: a level between the halfway mark and the limit is followed slowly (a gradual
                // trend such as a daily trough), a collapse past the limit not at all
                learnSlowly(rate, dt);
            }
            // a dip or a burst that lasts no longer than a window is noise; a longer run of suspect rates may be a
            // slide into a collapse, which must not widen the band (issue 12: the drop was learned)
            if (!isLow && !isHigh && !repaying && !catchingUp && suspectSeconds <= windowSeconds
                    && rate >= (1 - settings.dropChange) * m && rate <= (1 + settings.spikeChange) * m) {
                learnWide(rate, dt);
                learnLong(longRate, dt);
            }
        } else {
            suspectSeconds = 0;
            if (!repaying) {
                learn(rate, dt, false, now);
                learnLong(longRate, dt);
            }
        }
        if (slot >= 0) {
            learnSeason(slot, rate, dt, seasonal && (isLow || isHigh));
        }
        judgedSeasonally = false;
        if (profile != null && profile.active() && !Double.isNaN(longRate)) {
            // a periodic stream with enough history: judged against the same time of the period (times the recent
            // level) and the robust spread of its seasonal residuals, over the profile's bucket span
            double seasonalExpected = profile.expected(now - Math.round(longSpan * 500));
            if (!Double.isNaN(seasonalExpected)) {
                judgedSeasonally = true;
                double seasonalSd = Math.max(profile.scale(), MIN_RELATIVE_STD * seasonalExpected);
                double lowLimit = Math.min(seasonalExpected - k * seasonalSd, (1 - settings.dropChange) * seasonalExpected);
                double highLimit = Math.max(seasonalExpected + k * seasonalSd, (1 + settings.spikeChange) * seasonalExpected);
                if (tailKnown()) {
                    highLimit = Math.max(highLimit, seasonalExpected * (1 + k * MAD_TO_SD * tailUpRel));
                    lowLimit = Math.min(lowLimit, seasonalExpected * (1 - k * MAD_TO_SD * tailRel));
                }
                value = longRate;
                baseline = seasonalExpected;
                rateWindowSeconds = longSpan;
                threshold = drop ? lowLimit : highLimit;
                catchingUp = false;
                boolean abnormal = drop ? longRate < lowLimit : longRate > highLimit;
                if (abnormal) {
                    if (seasonalRunSince == Long.MIN_VALUE) {
                        seasonalRunSince = now;
                    }
                    seasonalRunUntil = now;
                    return Condition.ABNORMAL;
                }
                // one episode, one alert: a rate back between the limit and halfway to the expectation neither
                // fires nor clears once the run has lasted fireAfter (at 5-minute samples one normal-looking sample
                // in a long deviation resolved it and the next one fired again); a shorter run ends there
                double halfway = ((drop ? lowLimit : highLimit) + seasonalExpected) / 2;
                boolean inBand = drop ? longRate < halfway : longRate > halfway;
                if (inBand && seasonalRunSince != Long.MIN_VALUE
                        && seasonalRunUntil - seasonalRunSince >= fireAfter().toMillis()) {
                    return Condition.UNKNOWN;
                }
                seasonalRunSince = Long.MIN_VALUE;
                return Condition.NORMAL;
            }
        }
        return (drop ? isLow : isHigh) ? Condition.ABNORMAL : Condition.NORMAL;
    }

    /**
     * Learns the longest usual quiet time between commits (a decaying maximum, half-life 30 minutes): the time from
     * the last sample that showed progress to the last one that did not, once progress resumes (a lower bound of the
     * gap, whatever the interval). A quiet time of two windows or three usual ones (a stall, a collapse) is not
     * learned.
     */
    private void learnRhythm(long now, boolean progress) {
        if (lastProgressMillis == Long.MIN_VALUE) {
            lastProgressMillis = now;
            return;
        }
        if (!progress) {
            lastQuietMillis = now;
            return;
        }
        if (lastQuietMillis > lastProgressMillis) {
            double quiet = (lastQuietMillis - lastProgressMillis) / 1e3;
            double usual = quietMax(now);
            if (quiet < Math.max(2 * windowSeconds, RHYTHM_GAPS * usual) && quiet > usual) {
                quietMax = quiet;
                quietMaxAtMillis = now;
            }
        }
        lastProgressMillis = now;
    }

    /** The learned longest quiet time, decayed to {@code now} (0, at no cost, for a stream never seen quiet). */
    private double quietMax(long now) {
        return quietMax == 0 ? 0 : quietMax * Math.pow(0.5, (now - quietMaxAtMillis) / 1e3 / GAP_HALF_LIFE_SECONDS);
    }

    /** The time the last rate was measured over: the window, or several usual quiet times of a rarely committing stream. */
    public double rateWindowSeconds() {
        return rateWindowSeconds;
    }

    private int slot(long now) {
        if (seasonMean.length == 0) {
            return -1;
        }
        double phase = (now / 1e3) % periodSeconds;
        return (int) Math.min(seasonMean.length - 1, phase / periodSeconds * seasonMean.length);
    }

    private void learnSeason(int slot, double rate, double dt, boolean abnormal) {
        if (abnormal) {
            return;
        }
        double slotSeconds = periodSeconds / seasonMean.length;
        double a = seasonSeconds[slot] < slotSeconds ? dt / Math.max(dt, seasonSeconds[slot] + dt) : dt / slotSeconds / 2;
        double d = rate - seasonMean[slot];
        seasonMean[slot] += Math.min(1, a) * d;
        seasonScale[slot] += Math.min(1, a) * (Math.abs(d) - seasonScale[slot]);
        seasonSeconds[slot] += dt;
    }

    /**
     * The long reference level ({@link #LONG_MEMORY} times the memory): learned from the rates the baseline learns
     * normally (not suspect against it: a surge or a catch-up does not lift it) that are also within the drop and
     * spike limits of the reference itself (a slide into a collapse slow enough for the baseline to follow does not
     * drag it down past that).
     */
    private void learnReference(double rate, double dt) {
        if (dt <= 0 || Double.isNaN(reference)) {
            return;
        }
        double memory = LONG_MEMORY * memorySeconds;
        if (rate < (1 - settings.dropChange) * reference || rate > (1 + settings.spikeChange) * reference) {
            return;
        }
        reference += (1 - Math.exp(-dt / memory)) * (rate - reference);
    }

    /**
     * Follows the current run of low rates (below the halfway mark to the drop limit): the rate over the whole run,
     * from the sample before its first low rate, or NaN when the run is shorter than a window or no run is open.
     */
    private double lowRun(long now, long before, long rows, long intervalRows, boolean low) {
        if (!low) {
            lowRunStartMillis = Long.MIN_VALUE;
            return Double.NaN;
        }
        if (lowRunStartMillis == Long.MIN_VALUE) {
            lowRunStartMillis = before;
            lowRunStartRows = rows - intervalRows;
        }
        double seconds = (now - lowRunStartMillis) / 1e3;
        return seconds < windowSeconds ? Double.NaN : (rows - lowRunStartRows) / seconds;
    }

    private boolean tailKnown() {
        return tailSeconds >= TAIL_KNOWN_SECONDS;
    }

    /**
     * Learns the tail noise scale from this sample, or holds it while a run of suspect rates is open: the run is
     * learned when it ends within {@link #TAIL_RUN_WINDOWS} windows or {@link #TAIL_RUN_INTERVALS} sampling
     * intervals of the sample before it (a dip, a burst, one or two noisy rows of a coarse feed), and forgotten when
     * it lasts longer (a drop or a surge must not widen the noise that judges the next one).
     */
    private void learnTail(double rate, double longRate, double m, int side, long now, long before,
            double stepSeconds) {
        if (stepSeconds <= 0 || !(m > 0)) {
            return;
        }
        long step = now - before;
        typicalStepMillis = typicalStepMillis == 0 ? step : Math.round(typicalStepMillis + 0.05 * (step - typicalStepMillis));
        double rel = rate / m - 1;
        double longRel = Double.isNaN(longRate) ? Double.NaN : Math.abs(longRate / m - 1);
        // rel keeps its sign (the upper tail is learned apart); the pending buffer holds it signed
        if (side != tailRunSide) {
            commitTailRun(); // a run ends at the first rate that is not on its side (noise alternates, an event does not)
        }
        if (side == 0) {
            addTail(rel, longRel, stepSeconds);
            return;
        }
        if (tailRunStartMillis == Long.MIN_VALUE) {
            tailRunSide = side;
            tailRunStartMillis = before;
            tailRunDiscarded = false;
            tailPendingCount = 0;
        }
        double maxRun = Math.max(TAIL_RUN_WINDOWS * windowSeconds, TAIL_RUN_INTERVALS * typicalStepMillis / 1e3);
        if (tailRunDiscarded || (now - tailRunStartMillis) / 1e3 > maxRun || tailPendingCount == TAIL_PENDING) {
            tailRunDiscarded = true;
            return;
        }
        tailPendingRel[tailPendingCount] = rel;
        tailPendingLongRel[tailPendingCount] = longRel;
        tailPendingDt[tailPendingCount] = stepSeconds;
        tailPendingCount++;
    }

    private void commitTailRun() {
        if (tailRunStartMillis == Long.MIN_VALUE) {
            return;
        }
        if (!tailRunDiscarded) {
            for (int i = 0; i < tailPendingCount; i++) {
                addTail(tailPendingRel[i], tailPendingLongRel[i], tailPendingDt[i]);
            }
        }
        tailRunStartMillis = Long.MIN_VALUE;
        tailRunSide = 0;
        tailPendingCount = 0;
    }

    private void addTail(double rel, double longRel, double stepSeconds) {
        tailSeconds += stepSeconds;
        double a = Math.max(Math.min(1 - Math.exp(-stepSeconds / TAIL_MEMORY_SECONDS), TAIL_MAX_WEIGHT),
                stepSeconds / tailSeconds);
        tailRel += Math.min(1, a) * (Math.abs(rel) - tailRel);
        tailUpRel += Math.min(1, a) * (2 * Math.max(0, rel) - tailUpRel);
        if (!Double.isNaN(longRel)) {
            tailLongSeconds += stepSeconds;
            double b = Math.max(Math.min(1 - Math.exp(-stepSeconds / TAIL_MEMORY_SECONDS), TAIL_MAX_WEIGHT),
                    stepSeconds / tailLongSeconds);
            tailLongRel += Math.min(1, b) * (longRel - tailLongRel);
        }
    }

    /** The noise of the rate over {@link #LONG_WINDOWS} windows, learned with the baseline. */
    private void learnLong(double longRate, double dt) {
        if (dt <= 0 || Double.isNaN(longRate)) {
            return;
        }
        longScaleSeconds += dt;
        double a = Math.max(1 - Math.exp(-dt / memorySeconds), dt / longScaleSeconds);
        longScale += a * (Math.abs(longRate - mean) - longScale);
    }

    /** The drop test's noise, from a rate within the limits that the baseline does not learn (a suspect one). */
    private void learnWide(double rate, double dt) {
        if (dt <= 0) {
            return;
        }
        double a = 1 - Math.exp(-dt / memorySeconds);
        wideScale += a * (Math.abs(rate - mean) - wideScale);
    }

    private void learnSlowly(double rate, double dt) {
        if (dt <= 0) {
            return;
        }
        double a = 1 - Math.exp(-dt / (SLOW_LEARNING * memorySeconds));
        mean += a * (rate - mean);
    }

    private void learn(double rate, double dt, boolean warmUp, long now) {
        if (dt <= 0) {
            return;
        }
        learnedSeconds += dt;
        double a = 1 - Math.exp(-dt / memorySeconds);
        if (warmUp || learnedSeconds < 2 * warmUpSeconds) {
            a = Math.max(a, dt / learnedSeconds);
        }
        double d = rate - mean;
        mean += a * d;
        scale += a * (Math.abs(d) - scale);
        wideScale += a * (Math.abs(d) - wideScale);
        int slot = slot(now - settings.window.toMillis() / 2);
        if (warmUp && slot >= 0) {
            learnSeason(slot, rate, dt, false);
        }
    }

    @Override
    public void restart(Sample sample, double pausedSeconds) {
        window.clear();
        rhythmWindow.clear();
        rhythmWindow.add(sample.at().toEpochMilli(), sample.rowsDone(), sample.errors());
        lastProgressMillis = sample.at().toEpochMilli(); // the pause is not a quiet time between commits
        lastQuietMillis = Long.MIN_VALUE;
        previousMillis = sample.at().toEpochMilli();
        previousRows = sample.rowsDone();
        if (startMillis == Long.MIN_VALUE) {
            startMillis = previousMillis;
        }
        window.add(previousMillis, previousRows, sample.errors());
        if (profile != null) {
            profile.skipTo(previousMillis);
        }
        // what the pause held back may be caught up afterwards: not a spike. At most relearnAfter's worth: a host does
        // not catch up an overnight pause, and 10 hours of credit hid a real 4x surge half an hour after the resume
        backlogRows += Math.max(0, mean) * Math.min(pausedSeconds, relearnSeconds);
        suspectSeconds = 0;
        tailRunStartMillis = Long.MIN_VALUE; // a run open at the pause is neither noise nor an event
        tailRunSide = 0;
        lowRunStartMillis = Long.MIN_VALUE;
        tailPendingCount = 0;
    }

    @Override
    public double value() {
        return value;
    }

    @Override
    public double threshold() {
        return threshold;
    }

    /** The baseline the last value was judged against (rows/s), NaN during the warm-up. */
    public double baseline() {
        return baseline;
    }

    /**
     * The period the automatic seasonal baseline found in the rate ({@link Duration#ZERO} while none is found, or
     * when opted out with {@code autoSeasonal(false)}).
     */
    public Duration detectedPeriod() {
        return profile == null ? Duration.ZERO : Duration.ofMillis(Math.round(profile.periodSeconds() * 1000));
    }

    /** Whether the last verdict came from the automatic seasonal baseline (the same time of earlier periods). */
    public boolean judgedSeasonally() {
        return judgedSeasonally;
    }

    /** Whether the last sample was judged a catch-up after a slow period or a pause rather than a spike. */
    public boolean catchingUp() {
        return catchingUp;
    }

    @Override
    public String describe(boolean firing) {
        String v = Rates.format(value) + " rows/s";
        String base = "the learned baseline of " + Rates.format(baseline) + " rows/s";
        String pct = Double.isNaN(baseline) || baseline == 0 ? "" : String.format(Locale.ROOT, " (%.0f%% of it)", 100 * value / baseline);
        String over = " over " + Rates.seconds(Double.isNaN(rateWindowSeconds) ? windowSeconds : rateWindowSeconds);
        if (firing) {
            return metric() + " " + v + over + " is " + (drop ? "far below " : "far above ") + base + pct + "; limit "
                    + Rates.format(threshold) + " rows/s";
        }
        return metric() + " " + v + over + " is back near " + base + pct;
    }

    @Override
    public AnomalyDetector fresh() {
        return new ThroughputBaselineDetector(settings);
    }

    @Override
    public String toString() {
        return "ThroughputBaselineDetector{" + type() + ", window=" + settings.window + ", memory=" + settings.memory
                + ", warmUp=" + settings.warmUp + ", sigmas=" + settings.sigmas + ", minChange="
                + (drop ? settings.dropChange : settings.spikeChange) + ", fireAfter=" + fireAfter() + ", clearAfter="
                + clearAfter() + (settings.period == null ? "" : ", seasonal=" + settings.period + "/" + settings.slots) + "}";
    }

    /**
     * Builder; validates eagerly, not thread-safe. Defaults: window 60 s, memory 5 minutes, warm-up 5 minutes,
     * 3 sigmas, relearn after 30 minutes, fire after 60 s, clear after 120 s, severity WARNING for drops, INFO for
     * spikes, the automatic seasonal baseline on, no explicit seasonal baseline.
     */
    public static final class Builder extends DetectorBuilder.Firing<Builder> {
        private final boolean drop;
        private Duration memory = Duration.ofMinutes(5);
        private Duration warmUp = Duration.ofMinutes(5);
        private Duration relearnAfter = Duration.ofMinutes(30);
        private double sigmas = 3;
        private double dropChange = 0.5;
        private double spikeChange = 1.0;
        private Duration window = Duration.ofSeconds(60);
        private Duration period;
        private int slots;
        private boolean autoSeasonal = true;

        private Builder(boolean drop) {
            super(Duration.ofSeconds(60), Duration.ofSeconds(120), drop ? Severity.WARNING : Severity.INFO);
            this.drop = drop;
        }

        /** Time constant of the baseline and of its noise estimate (default 5 minutes). */
        public Builder memory(Duration memory) {
            this.memory = DetectorBuilder.positive(memory, "memory");
            return this;
        }

        /**
         * Smoothing per nominal 5 s sample in (0, 1), converted to the memory {@code 5 s / -ln(1 - alpha)}.
         *
         * @deprecated a per-sample weight depends on the sampling interval; use {@link #memory(Duration)}
         */
        @Deprecated
        public Builder alpha(double alpha) {
            Require.strictlyBetween(alpha, 0, 1, "alpha");
            return memory(Duration.ofMillis(Math.round(DetectorBuilder.NOMINAL_INTERVAL_SECONDS * 1000 / -Math.log(1 - alpha))));
        }

        /** Time at the start of a run that only learns (default 5 minutes). */
        public Builder warmUp(Duration warmUp) {
            this.warmUp = DetectorBuilder.positive(warmUp, "warmUp");
            return this;
        }

        /**
         * {@code samples} intervals of 5 s, at least 2.
         *
         * @deprecated a count of samples depends on the sampling interval; use {@link #warmUp(Duration)}
         */
        @Deprecated
        public Builder warmUp(int samples) {
            return warmUp(DetectorBuilder.nominal("warmUp", samples, 2));
        }

        /** How long a new level must last before it becomes the baseline (default 30 minutes). */
        public Builder relearnAfter(Duration after) {
            this.relearnAfter = DetectorBuilder.positive(after, "relearnAfter");
            return this;
        }

        /** Standard deviations a rate must be away from the mean (default 3). */
        public Builder sigmas(double sigmas) {
            this.sigmas = Require.positive(sigmas, "sigmas");
            return this;
        }

        /**
         * Relative change a rate must also exceed: for drops a fraction in (0, 1) (default 0.5: below half the
         * baseline), for spikes any positive number (default 1.0: above double the baseline).
         */
        public Builder minChange(double change) {
            if (drop) {
                this.dropChange = Require.strictlyBetween(change, 0, 1, "minChange");
            } else {
                this.spikeChange = Require.positive(change, "minChange");
            }
            return this;
        }

        /**
         * The time each rate is measured over (default 60 s): smooths migrations that commit in big batches and GC
         * pauses. With samples further apart than this, the rate of the last interval is used.
         */
        public Builder window(Duration window) {
            this.window = DetectorBuilder.positive(window, "window");
            return this;
        }

        /**
         * {@code intervals} times 5 s, at least 1.
         *
         * @deprecated a count of samples depends on the sampling interval; use {@link #window(Duration)}
         */
        @Deprecated
        public Builder window(int intervals) {
            return window(DetectorBuilder.nominal("window", intervals, 1));
        }

        /**
         * Adds a seasonal baseline: {@code slots} slots per {@code period} (e.g. {@code Duration.ofDays(1), 24}),
         * each learned from the same slot of earlier periods and used once it has seen one full slot. Memory: two
         * doubles per slot.
         */
        public Builder seasonal(Duration period, int slots) {
            DetectorBuilder.positive(period, "seasonal period");
            Require.atLeast(slots, 1, "seasonal slots");
            if (slots > 10_080) {
                throw new IllegalArgumentException("seasonal slots must be <= 10080 (one a minute for a week), was " + slots);
            }
            this.period = period;
            this.slots = slots;
            return this;
        }

        /**
         * Whether the detector finds a period in the rate by itself (default {@code true}): once it has seen two
         * periods of at least 2 hours (a daily pattern after two days, a weekly one after two weeks) and the rate's
         * autocorrelation and seasonal residuals say the stream is periodic, each rate over {@code 4 x window} is
         * judged against the same time of the earlier periods (times the recent level) and a robust noise scale
         * instead of the running baseline. {@code false} keeps the running baseline only. Ignored when
         * {@link #seasonal} is set.
         */
        public Builder autoSeasonal(boolean enabled) {
            this.autoSeasonal = enabled;
            return this;
        }

        /** A detector with these settings (later builder changes do not affect it). */
        public ThroughputBaselineDetector build() {
            Builder c = copyHysteresisTo(new Builder(drop));
            c.memory = memory;
            c.warmUp = warmUp;
            c.relearnAfter = relearnAfter;
            c.sigmas = sigmas;
            c.dropChange = dropChange;
            c.spikeChange = spikeChange;
            c.window = window;
            c.period = period;
            c.slots = slots;
            c.autoSeasonal = autoSeasonal;
            return new ThroughputBaselineDetector(c);
        }
    }
}
