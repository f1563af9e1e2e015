package io.migmon.alerting;

import io.migmon.core.Severity;
import io.migmon.core.support.Require;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * One alert: a name, a severity, identifying labels, descriptive annotations and its active period. Immutable and
 * thread-safe.
 *
 * <p>Identity is the {@linkplain #fingerprint() fingerprint}: a hash of the {@linkplain #identityLabels() identity
 * labels} ({@code alertname}, {@code severity} and the labels). Two alerts with the same fingerprint are the same
 * alert (deduplicated by the dispatcher); annotations, summary and times do not change the fingerprint, as in
 * Prometheus Alertmanager.
 */
public final class Alert {

    /** The label carrying the alert name in {@link #identityLabels()}. */
    public static final String ALERTNAME = "alertname";
    /** The label carrying the severity in {@link #identityLabels()}. */
    public static final String SEVERITY = "severity";

    private static final Pattern LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");

    private final String name;
    private final Severity severity;
    private final Map<String, String> labels;
    private final Map<String, String> annotations;
    private final String summary;
    private final Instant startsAt;
    private final Instant endsAt;
    private final Map<String, String> identityLabels;
    private final String fingerprint;

    private Alert(Builder b) {
        this.name = b.name;
        this.severity = b.severity;
        this.labels = Collections.unmodifiableMap(new TreeMap<>(b.labels));
        this.annotations = Collections.unmodifiableMap(new LinkedHashMap<>(b.annotations));
        this.summary = b.summary == null ? b.name : b.summary;
        this.startsAt = b.startsAt;
        this.endsAt = b.endsAt;
        TreeMap<String, String> id = new TreeMap<>(labels);
        id.put(ALERTNAME, name);
        id.put(SEVERITY, severity.tagValue());
        this.identityLabels = Collections.unmodifiableMap(id);
        this.fingerprint = fingerprintOf(identityLabels);
    }

    /** A builder for an alert with the given name ({@code alertname}) and severity. */
    public static Builder builder(String name, Severity severity) {
        return new Builder(name, severity);
    }

    /** The alert name, e.g. {@code high_error_rate}; the {@code alertname} label. */
    public String name() {
        return name;
    }

    /** How urgent the alert is; the {@code severity} label. */
    public Severity severity() {
        return severity;
    }

    /** The identifying labels given by the host, sorted by name (without alertname and severity). */
    public Map<String, String> labels() {
        return labels;
    }

    /** The labels plus {@code alertname} and {@code severity}, sorted: what routing, grouping and matching see. */
    public Map<String, String> identityLabels() {
        return identityLabels;
    }

    /** A label of {@link #identityLabels()}, or null. */
    public String label(String key) {
        return identityLabels.get(key);
    }

    /** Descriptive, non-identifying information (runbook, value, threshold), in insertion order. */
    public Map<String, String> annotations() {
        return annotations;
    }

    /** A one-line human summary; the name when none was given. */
    public String summary() {
        return summary;
    }

    /** When the alert started firing; null until the dispatcher sets it. */
    public Instant startsAt() {
        return startsAt;
    }

    /** When the alert resolved; null while it is firing. */
    public Instant endsAt() {
        return endsAt;
    }

    /** Whether the alert has resolved ({@link #endsAt()} is set). */
    public boolean resolved() {
        return endsAt != null;
    }

    /** Stable identity: the first 16 hex digits of SHA-256 over the sorted identity labels. */
    public String fingerprint() {
        return fingerprint;
    }

    /** A copy with the given start time. */
    public Alert withStartsAt(Instant at) {
        return toBuilder().startsAt(at).build();
    }

    /** A resolved copy ending at {@code at}. */
    public Alert resolvedAt(Instant at) {
        return toBuilder().endsAt(Objects.requireNonNull(at, "at")).build();
    }

    /** A builder initialised from this alert. */
    public Builder toBuilder() {
        Builder b = new Builder(name, severity);
        b.labels.putAll(labels);
        b.annotations.putAll(annotations);
        b.summary = summary;
        b.startsAt = startsAt;
        b.endsAt = endsAt;
        return b;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Alert a && a.fingerprint.equals(fingerprint) && Objects.equals(a.endsAt, endsAt)
                && Objects.equals(a.startsAt, startsAt) && a.annotations.equals(annotations)
                && a.summary.equals(summary);
    }

    @Override
    public int hashCode() {
        return fingerprint.hashCode();
    }

    @Override
    public String toString() {
        return "Alert[" + name + " " + severity.tagValue() + " " + labels + (resolved() ? " resolved" : "")
                + " fp=" + fingerprint + "]";
    }

    static String fingerprintOf(Map<String, String> sortedLabels) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (Map.Entry<String, String> e : sortedLabels.entrySet()) {
                md.update(e.getKey().getBytes(StandardCharsets.UTF_8));
                md.update((byte) 0xff);
                md.update(e.getValue().getBytes(StandardCharsets.UTF_8));
                md.update((byte) 0xfe);
            }
            return HexFormat.of().formatHex(md.digest(), 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 unavailable", e);
        }
    }

    /** Builds an {@link Alert}; validates label names eagerly. Not thread-safe. */
    public static final class Builder {
        private final String name;
        private final Severity severity;
        private final Map<String, String> labels = new TreeMap<>();
        private final Map<String, String> annotations = new LinkedHashMap<>();
        private String summary;
        private Instant startsAt;
        private Instant endsAt;

        private Builder(String name, Severity severity) {
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("alert name must not be blank");
            }
            this.name = name;
            this.severity = Require.notNull(severity, "severity");
        }

        /** Adds an identifying label; names follow Prometheus rules and cannot be alertname or severity. */
        public Builder label(String key, String value) {
            if (key == null || !LABEL_NAME.matcher(key).matches()) {
                throw new IllegalArgumentException("label name '" + key + "' must match " + LABEL_NAME);
            }
            if (ALERTNAME.equals(key) || SEVERITY.equals(key)) {
                throw new IllegalArgumentException("label '" + key + "' is set from the alert's name/severity");
            }
            labels.put(key, Require.notNull(value, "value of label " + key));
            return this;
        }

        /** Adds all labels. */
        public Builder labels(Map<String, String> map) {
            map.forEach(this::label);
            return this;
        }

        /**
         * Adds a descriptive annotation (not part of the identity). Names follow the Prometheus label-name rules
         * ({@code [a-zA-Z_][a-zA-Z0-9_]*}), as Alertmanager requires of annotations (it answers 400 "invalid
         * annotations" otherwise): {@code "run-book url"} fails here, {@code "runbook_url"} is fine. {@code summary}
         * is reserved (the alert's {@link Builder#summary(String)}).
         */
        public Builder annotation(String key, String value) {
            if (key == null || !LABEL_NAME.matcher(key).matches()) {
                throw new IllegalArgumentException("annotation name '" + key + "' must match " + LABEL_NAME
                        + " (Prometheus label-name rules, as Alertmanager requires)");
            }
            if ("summary".equals(key)) {
                throw new IllegalArgumentException("annotation 'summary' is set from the alert's summary(..)");
            }
            annotations.put(key, Require.notNull(value, "value of annotation " + key));
            return this;
        }

        /** A one-line human summary (default: the name). */
        public Builder summary(String summary) {
            this.summary = summary;
            return this;
        }

        /** When it started firing; normally left to the dispatcher. */
        public Builder startsAt(Instant at) {
            this.startsAt = at;
            return this;
        }

        /** When it resolved; normally left to the dispatcher. */
        public Builder endsAt(Instant at) {
            this.endsAt = at;
            return this;
        }

        /** Builds the immutable alert. */
        public Alert build() {
            return new Alert(this);
        }
    }
}
