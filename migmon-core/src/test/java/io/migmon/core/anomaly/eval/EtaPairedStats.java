package io.migmon.core.anomaly.eval;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Paired comparison of migmon's ETA with the naive cumulative average, per cell (scenario, read interval, mark), over
 * the seeds of an {@link EtaEvaluation} run (the fourteenth round's decision rule, issue 12; fixed before its held-out
 * run).
 *
 * <p>Per seed the difference is {@code d = |error of migmon| - |error of the cumulative average|} at the first read
 * past the mark (relative errors, as the tables report them), over the seeds where both give an ETA ({@code |d| <}
 * {@link #TIE} counts as 0); both methods are read on the same simulated job, so the pairs share the job's noise. Per
 * cell: the mean of {@code d} with a 95%
 * paired Student t interval (primary) and a 95% percentile bootstrap interval of the mean (10,000 resamples, a fixed
 * random seed: deterministic). <b>Worse</b> = the primary interval lies above 0, <b>better</b> = it lies below 0;
 * otherwise no evidence of a difference. Because a run has many cells, the t interval is also given at the
 * Bonferroni level over the cells whose two methods differ on at least one seed (a cell identical on every seed has
 * {@code d = 0} everywhere and can be neither). The literal reading of the bar is kept beside it: the cells' medians
 * as the tables compute them ({@link EtaEvaluation.Errors#median(int)}, the upper middle value for an even count),
 * migmon "worse" when its median is above the average's by more than 1 point (the rule of every earlier round).
 */
final class EtaPairedStats {

    /** The scenarios the bar's "never worse than the cumulative average" is checked on (as in EtaEvaluationTest). */
    static final String[] COMPARED = {"steady", "noisy", "noisy-correlated-10", "noisy-correlated-60",
            "noisy-correlated-120", "batchy", "planned-pause", "cold-start", "stall", "quiet-60"};
    /**
     * A per-seed difference smaller than this is a tie: the model's rate on a stationary load is the cumulative
     * average computed in another order of arithmetic, so "equal" ETAs differ by up to ~1e-10 (on 4 tuning seeds per
     * cell every difference was either below 1e-9 or above 1e-4).
     */
    static final double TIE = 1e-9;
    static final int BOOTSTRAP_RESAMPLES = 10_000;
    static final long BOOTSTRAP_SEED = 1;

    private EtaPairedStats() {
    }

    /**
     * One cell's comparison. {@code pairs}: seeds where both methods gave an ETA; {@code onlyMigmon} /
     * {@code onlyAverage}: seeds where only one did; {@code migmonBetter} / {@code averageBetter} / {@code ties}: seeds
     * by the sign of {@code d}; {@code bonfLow} / {@code bonfHigh}: the t interval at the family-wise level.
     */
    record Cell(String scenario, int mark, int pairs, int onlyMigmon, int onlyAverage, double medianMigmon,
                double medianAverage, double mean, double sd, double tLow, double tHigh, double bootLow,
                double bootHigh, double bonfLow, double bonfHigh, int migmonBetter, int averageBetter, int ties) {

        boolean identical() {
            return ties == pairs && onlyMigmon == 0 && onlyAverage == 0;
        }

        /** The primary rule: the 95% paired t interval lies above 0. */
        boolean worse() {
            return tLow > 0;
        }

        boolean better() {
            return tHigh < 0;
        }

        boolean worseFamilyWise() {
            return bonfLow > 0;
        }

        boolean bootstrapWorse() {
            return bootLow > 0;
        }

        /** The literal reading: the table's median more than 1 point above the cumulative average's. */
        boolean literalWorse() {
            return medianMigmon > medianAverage + 0.01;
        }

        /** Strictly above at the tables' rounding (0.1 point). */
        boolean literalAbove() {
            return Math.round(1000 * medianMigmon) > Math.round(1000 * medianAverage);
        }

        String verdict() {
            return worse() ? "worse" : better() ? "better" : identical() ? "identical" : "no evidence";
        }
    }

    /** Every cell of {@link #COMPARED} at every read interval and mark of the run. */
    static List<Cell> compare(Map<String, Map<String, EtaEvaluation.Errors>> result, int[] intervals) {
        List<double[]> diffs = new ArrayList<>();
        List<Object[]> keys = new ArrayList<>();
        for (int interval : intervals) {
            for (String name : COMPARED) {
                String scenario = EtaEvaluation.key(name, interval);
                var migmon = result.get(scenario).get("migmon");
                var average = result.get(scenario).get("cumulative average");
                for (int m = 0; m < EtaEvaluation.MARKS.length; m++) {
                    List<Double> d = new ArrayList<>();
                    int onlyMigmon = 0;
                    int onlyAverage = 0;
                    for (int s = 0; s < migmon.perSeedMarks.size(); s++) {
                        double a = migmon.perSeedMarks.get(s)[m];
                        double b = average.perSeedMarks.get(s)[m];
                        if (!Double.isNaN(a) && !Double.isNaN(b)) {
                            double diff = Math.abs(a) - Math.abs(b);
                            d.add(Math.abs(diff) < TIE ? 0 : diff);
                        } else if (!Double.isNaN(a)) {
                            onlyMigmon++;
                        } else if (!Double.isNaN(b)) {
                            onlyAverage++;
                        }
                    }
                    diffs.add(d.stream().mapToDouble(Double::doubleValue).toArray());
                    keys.add(new Object[] {scenario, m, onlyMigmon, onlyAverage, migmon.median(m), average.median(m)});
                }
            }
        }
        long differing = 0;
        for (int i = 0; i < diffs.size(); i++) {
            boolean differs = Arrays.stream(diffs.get(i)).anyMatch(x -> x != 0)
                    || (int) keys.get(i)[2] > 0 || (int) keys.get(i)[3] > 0;
            if (differs) {
                differing++;
            }
        }
        double familyLevel = 1 - 0.05 / Math.max(1, differing);
        List<Cell> cells = new ArrayList<>();
        for (int i = 0; i < diffs.size(); i++) {
            double[] d = diffs.get(i);
            Object[] k = keys.get(i);
            double[] t = tInterval(d, 0.95);
            double[] f = tInterval(d, familyLevel);
            double[] b = bootstrapInterval(d, BOOTSTRAP_RESAMPLES, BOOTSTRAP_SEED);
            int better = (int) Arrays.stream(d).filter(x -> x < 0).count();
            int worse = (int) Arrays.stream(d).filter(x -> x > 0).count();
            cells.add(new Cell((String) k[0], (int) k[1], d.length, (int) k[2], (int) k[3], (double) k[4],
                    (double) k[5], mean(d), sd(d), t[0], t[1], b[0], b[1], f[0], f[1], better, worse,
                    d.length - better - worse));
        }
        return cells;
    }

    static double mean(double[] d) {
        return d.length == 0 ? Double.NaN : Arrays.stream(d).sum() / d.length;
    }

    /** Sample standard deviation (n - 1). */
    static double sd(double[] d) {
        if (d.length < 2) {
            return Double.NaN;
        }
        double m = mean(d);
        return Math.sqrt(Arrays.stream(d).map(x -> (x - m) * (x - m)).sum() / (d.length - 1));
    }

    /** Two-sided paired t interval of the mean at {@code level} (e.g. 0.95); NaN bounds with fewer than 2 values. */
    static double[] tInterval(double[] d, double level) {
        if (d.length < 2) {
            return new double[] {Double.NaN, Double.NaN};
        }
        double half = tQuantile(level, d.length - 1) * sd(d) / Math.sqrt(d.length);
        double m = mean(d);
        return new double[] {m - half, m + half};
    }

    /**
     * The t with P(|T| <= t) = {@code level} for Student's t with {@code nu} degrees of freedom, by bisection on the
     * exact distribution function (Abramowitz and Stegun 26.7.3 / 26.7.4, integer degrees of freedom).
     */
    static double tQuantile(double level, int nu) {
        double lo = 0;
        double hi = 1;
        while (coverage(hi, nu) < level) {
            hi *= 2;
        }
        for (int i = 0; i < 200; i++) {
            double mid = (lo + hi) / 2;
            if (coverage(mid, nu) < level) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        return (lo + hi) / 2;
    }

    /** P(|T| <= t) for Student's t with {@code nu} (>= 1) degrees of freedom. */
    static double coverage(double t, int nu) {
        double theta = Math.atan(t / Math.sqrt(nu));
        double s = Math.sin(theta);
        double c = Math.cos(theta);
        double c2 = c * c;
        double term = 1;
        double sum = 1;
        if (nu % 2 == 0) {
            for (int k = 2; k <= nu - 2; k += 2) {
                term *= c2 * (k - 1) / k;
                sum += term;
            }
            return s * sum;
        }
        if (nu == 1) {
            return 2 * theta / Math.PI;
        }
        for (int k = 3; k <= nu - 2; k += 2) {
            term *= c2 * (k - 1) / k;
            sum += term;
        }
        return 2 / Math.PI * (theta + s * c * sum);
    }

    /** 95% percentile bootstrap interval of the mean (resamples of the pairs with replacement). */
    static double[] bootstrapInterval(double[] d, int resamples, long seed) {
        if (d.length < 2) {
            return new double[] {Double.NaN, Double.NaN};
        }
        SplittableRandom r = new SplittableRandom(seed);
        double[] means = new double[resamples];
        for (int i = 0; i < resamples; i++) {
            double sum = 0;
            for (int j = 0; j < d.length; j++) {
                sum += d[r.nextInt(d.length)];
            }
            means[i] = sum / d.length;
        }
        Arrays.sort(means);
        return new double[] {means[(int) Math.floor(0.025 * resamples)],
                means[(int) Math.ceil(0.975 * resamples) - 1]};
    }

    /**
     * A table of the cells that are not identical on every seed (the rest are counted below it), in points (a
     * difference of 0.01 is 1.0 point).
     */
    static String markdown(List<Cell> cells) {
        StringBuilder sb = new StringBuilder();
        sb.append("| scenario | mark | seeds paired | migmon median | cumulative median | literal (> 1 point) | "
                + "mean d (points) | 95% t | 95% bootstrap | family-wise t | seeds migmon better / worse / tied | "
                + "verdict |\n");
        sb.append("|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        int identical = 0;
        for (Cell c : cells) {
            if (c.identical()) {
                identical++;
                continue;
            }
            sb.append(String.format(Locale.ROOT,
                    "| %s | %.0f%% | %d%s | %s | %s | %s | %+.2f | [%+.2f, %+.2f] | [%+.2f, %+.2f] | [%+.2f, %+.2f] | "
                            + "%d / %d / %d | %s |%n",
                    c.scenario(), 100 * EtaEvaluation.MARKS[c.mark()], c.pairs(),
                    c.onlyMigmon() + c.onlyAverage() == 0 ? ""
                            : " (only migmon " + c.onlyMigmon() + ", only average " + c.onlyAverage() + ")",
                    pct(c.medianMigmon()), pct(c.medianAverage()), c.literalWorse() ? "**worse**"
                            : c.literalAbove() ? "above" : "", 100 * c.mean(), 100 * c.tLow(), 100 * c.tHigh(),
                    100 * c.bootLow(), 100 * c.bootHigh(), 100 * c.bonfLow(), 100 * c.bonfHigh(), c.migmonBetter(),
                    c.averageBetter(), c.ties(), c.worse() ? "**worse**" : c.verdict()));
        }
        long worse = cells.stream().filter(Cell::worse).count();
        long better = cells.stream().filter(Cell::better).count();
        long literal = cells.stream().filter(Cell::literalWorse).count();
        long above = cells.stream().filter(Cell::literalAbove).count();
        long family = cells.stream().filter(Cell::worseFamilyWise).count();
        long boot = cells.stream().filter(Cell::bootstrapWorse).count();
        sb.append(String.format(Locale.ROOT, "%n%d cells; %d identical on every seed (not listed). Paired (95%% t): "
                        + "%d worse, %d better; 95%% bootstrap: %d worse; family-wise t (Bonferroni over the %d cells "
                        + "that differ): %d worse. Literal (median more than 1 point above): %d; median above at 0.1 "
                        + "point: %d.%n", cells.size(), identical, worse, better, boot,
                cells.size() - identical, family, literal, above));
        return sb.toString();
    }

    private static String pct(double v) {
        return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%.1f%%", 100 * v);
    }
}
