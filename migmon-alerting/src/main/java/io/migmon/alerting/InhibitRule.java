package io.migmon.alerting;

import io.migmon.core.Severity;
import java.util.List;
import java.util.Objects;

/**
 * Mutes target alerts while a source alert fires with equal values for the {@code equal} labels, as in
 * Alertmanager's {@code inhibit_rules}: e.g. a critical {@code high_error_rate} for a migration mutes the warnings
 * for the same {@code migration_id}. An alert never inhibits itself.
 *
 * @param source alerts that inhibit
 * @param target alerts that get muted
 * @param equal  labels whose values must be equal on source and target (a label missing on both counts as equal)
 */
public record InhibitRule(Matcher source, Matcher target, List<String> equal) {

    /** Validates and copies the settings. */
    public InhibitRule {
        Objects.requireNonNull(source, "inhibit source");
        Objects.requireNonNull(target, "inhibit target");
        equal = List.copyOf(equal);
    }

    /** A firing critical alert mutes warning and info alerts with the same values of {@code equalLabels}. */
    public static InhibitRule criticalMutesWarnings(String... equalLabels) {
        return new InhibitRule(Matcher.severityAtLeast(Severity.CRITICAL), Matcher.severityAtMost(Severity.WARNING),
                List.of(equalLabels));
    }

    /** Whether {@code src} (firing) inhibits {@code tgt}. */
    public boolean inhibits(Alert src, Alert tgt) {
        if (src.fingerprint().equals(tgt.fingerprint()) || !source.matches(src) || !target.matches(tgt)) {
            return false;
        }
        for (String l : equal) {
            if (!Objects.equals(src.label(l), tgt.label(l))) {
                return false;
            }
        }
        return true;
    }
}
