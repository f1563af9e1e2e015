package io.migmon.alerting;

import io.migmon.core.support.Require;
import java.time.Duration;

/**
 * Flap suppression: an alert becomes active only after its condition held for {@code fireAfter} consecutive
 * evaluations <em>and</em> for at least {@code forDuration} (like Prometheus' {@code for}), and resolves only after
 * it was clear for {@code clearAfter} consecutive evaluations. An evaluation is one call of
 * {@link AlertDispatcher#fire(Alert)} (condition true) or {@link AlertDispatcher#resolve(Alert)} (condition false).
 * The names are those of core's anomaly detectors ({@code fireAfter} / {@code clearAfter}); {@code clearAfter} was
 * called {@code resolveAfter} before 0.1.0 and was renamed outright.
 *
 * @param fireAfter    consecutive true evaluations needed to fire, at least 1
 * @param forDuration  how long the condition must have held (from its first true evaluation) to fire; zero for none
 * @param clearAfter consecutive false evaluations needed to resolve, at least 1
 */
public record Hysteresis(int fireAfter, Duration forDuration, int clearAfter) {

    /** No suppression: fire on the first true evaluation, resolve on the first false one. */
    public static final Hysteresis NONE = new Hysteresis(1, Duration.ZERO, 1);

    /** Validates the settings. */
    public Hysteresis {
        if (fireAfter < 1) {
            throw new IllegalArgumentException("hysteresis.fireAfter must be >= 1, was " + fireAfter);
        }
        if (clearAfter < 1) {
            throw new IllegalArgumentException("hysteresis.clearAfter must be >= 1, was " + clearAfter);
        }
        Require.nonNegative(forDuration, "hysteresis.forDuration");
    }

    /** Fire after {@code n} true evaluations, resolve after {@code m} false ones. */
    public static Hysteresis evaluations(int n, int m) {
        return new Hysteresis(n, Duration.ZERO, m);
    }

    /** Fire once the condition held for {@code d}; resolve after {@code m} false evaluations. */
    public static Hysteresis holdFor(Duration d, int m) {
        return new Hysteresis(1, d, m);
    }
}
