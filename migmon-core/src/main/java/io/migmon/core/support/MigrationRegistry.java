package io.migmon.core.support;

import io.migmon.core.MigrationStatus;
import io.migmon.core.ObservableMigration;
import io.migmon.core.metrics.Instrumentation;
import io.migmon.core.metrics.MigmonMeters;
import io.migmon.core.spi.MigrationListener;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The {@link ObservableMigration}s a SQL-framework adapter (migmon-flyway, migmon-liquibase) created: one per
 * run-level migration id (kept until {@link #close()}) and one per version ({@code <id>:<version>}, at most
 * {@code maxVersions}, least recently used evicted and its meters removed). Thread-safe.
 *
 * <p>For migmon's own modules (the SQL-framework adapters); not a stable API. Error types, MDC and run endings
 * live in {@link ErrorTypes}, {@link MdcScope} and {@link RunScope}.
 */
public final class MigrationRegistry implements AutoCloseable {

    private static final Pattern NOT_ALLOWED = Pattern.compile("[^A-Za-z0-9_.:\\-]");
    private static final int MAX_ID_LENGTH = 128;

    private final Instrumentation instrumentation;
    private final List<MigrationListener> listeners;
    private final int maxVersions;
    private final MigmonMeters ownMeters;
    private final Map<String, ObservableMigration> runs = new LinkedHashMap<>();
    private final LinkedHashMap<String, ObservableMigration> versions = new LinkedHashMap<>(16, 0.75f, true);
    private boolean closed;

    /**
     * Everything the adapter's builder validated; {@code listeners} go to run-level migrations only, at most
     * {@code maxVersions} per-version migrations keep their meters.
     */
    public MigrationRegistry(Instrumentation instrumentation, List<MigrationListener> listeners, int maxVersions) {
        this.instrumentation = Require.notNull(instrumentation, "instrumentation");
        this.listeners = List.copyOf(listeners);
        this.maxVersions = Require.atLeast(maxVersions, 1, "maxVersions");
        this.ownMeters = instrumentation.newMeters();
    }

    /** The meters of the adapter itself (only the contained-failure counter). */
    public MigmonMeters ownMeters() {
        return ownMeters;
    }

    /** Whether {@link #close()} was called. */
    public synchronized boolean isClosed() {
        return closed;
    }

    /** The run-level migration for {@code id}, created on first use; empty once closed. */
    public synchronized Optional<ObservableMigration> run(String id) {
        if (closed) {
            return Optional.empty();
        }
        return Optional.of(runs.computeIfAbsent(id, k -> build(k, true)));
    }

    /** The per-version migration {@code <id>:<version>}, created on first use; empty once closed. */
    public synchronized Optional<ObservableMigration> version(String runId, String version) {
        if (closed) {
            return Optional.empty();
        }
        String id = versionId(runId, version);
        ObservableMigration m = versions.get(id);
        if (m == null) {
            m = build(id, false);
            versions.put(id, m);
            evict();
        }
        return Optional.of(m);
    }

    /** The tracked migration with this id (run-level or per-version), if any. */
    public Optional<ObservableMigration> find(String migrationId) {
        return all().stream().filter(m -> m.migrationId().equals(migrationId)).findFirst();
    }

    /** Every migration currently tracked, run-level ones first. */
    public synchronized List<ObservableMigration> all() {
        List<ObservableMigration> all = new ArrayList<>(runs.values());
        all.addAll(versions.values());
        return all;
    }

    /** Closes every tracked migration (removing their meters) and the adapter's own meters. Idempotent. */
    @Override
    public synchronized void close() {
        closed = true;
        runs.values().forEach(ObservableMigration::close);
        versions.values().forEach(ObservableMigration::close);
        runs.clear();
        versions.clear();
        ownMeters.close();
    }

    /** {@code <runId>:<version>} with characters migration ids do not allow replaced by {@code _}, at most 128. */
    public static String versionId(String runId, String version) {
        String v = version == null || version.isBlank()
                ? "unknown" : NOT_ALLOWED.matcher(version.strip()).replaceAll("_");
        String id = runId + ":" + v;
        return id.length() <= MAX_ID_LENGTH ? id : id.substring(0, MAX_ID_LENGTH);
    }

    /**
     * {@code migrationId} if it is a valid migration id.
     *
     * @throws IllegalArgumentException naming the field if it is not
     */
    public static String requireValidId(String migrationId) {
        if (!isValidId(migrationId)) {
            throw new IllegalArgumentException("migrationId must be 1-128 characters of letters, digits and "
                    + "_ . : - starting with a letter or digit, was '" + migrationId + "'");
        }
        return migrationId;
    }

    /** Whether {@code id} is a valid migration id (see {@link ObservableMigration#builder(String)}). */
    public static boolean isValidId(String id) {
        if (id == null || id.isBlank()) {
            return false;
        }
        try {
            ObservableMigration.builder(id);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private ObservableMigration build(String id, boolean withListeners) {
        ObservableMigration.Builder b = ObservableMigration.builder(id).instrumentation(instrumentation);
        if (withListeners) {
            listeners.forEach(b::listener);
        }
        return b.build();
    }

    private void evict() {
        Iterator<Map.Entry<String, ObservableMigration>> it = versions.entrySet().iterator();
        while (versions.size() > maxVersions && it.hasNext()) {
            ObservableMigration eldest = it.next().getValue();
            if (eldest.status() != MigrationStatus.RUNNING) {
                eldest.close();
                it.remove();
            }
        }
    }
}
