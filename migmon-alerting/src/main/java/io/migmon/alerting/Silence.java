package io.migmon.alerting;

import java.time.Instant;
import java.util.Objects;

/**
 * Mutes notifications for matching alerts between {@code startsAt} and {@code endsAt}. The dispatcher still tracks
 * silenced alerts (they resolve normally); it only leaves them out of notifications. Expired silences are removed.
 *
 * @param id       unique id (returned by {@link AlertDispatcher#silence})
 * @param matcher  which alerts
 * @param startsAt from when
 * @param endsAt   until when (exclusive)
 * @param comment  why, for people
 */
public record Silence(String id, Matcher matcher, Instant startsAt, Instant endsAt, String comment) {

    /** Validates the silence. */
    public Silence {
        Objects.requireNonNull(id, "silence id");
        Objects.requireNonNull(matcher, "silence matcher");
        Objects.requireNonNull(startsAt, "silence startsAt");
        Objects.requireNonNull(endsAt, "silence endsAt");
        if (!endsAt.isAfter(startsAt)) {
            throw new IllegalArgumentException("silence endsAt must be after startsAt");
        }
        comment = comment == null ? "" : comment;
    }

    /** Whether the silence is in force at {@code now}. */
    public boolean activeAt(Instant now) {
        return !now.isBefore(startsAt) && now.isBefore(endsAt);
    }

    /** Whether it mutes {@code alert} at {@code now}. */
    public boolean mutes(Alert alert, Instant now) {
        return activeAt(now) && matcher.matches(alert);
    }
}
