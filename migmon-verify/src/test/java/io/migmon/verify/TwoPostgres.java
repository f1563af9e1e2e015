package io.migmon.verify;

import io.migmon.testsupport.EmbeddedPostgresFixture;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * Two real PostgreSQL servers (source with {@code track_commit_timestamp=on}, target) from migmon-test-support's
 * {@link EmbeddedPostgresFixture}, shared per JVM. Each test gets fresh databases with the same name on both.
 */
public final class TwoPostgres {

    private static final AtomicInteger DATABASES = new AtomicInteger();

    private TwoPostgres() {
    }

    private static EmbeddedPostgresFixture source() {
        return EmbeddedPostgresFixture.builder("verify-source").trackCommitTimestamp()
                .serverConfig("shared_buffers", "128MB").serverConfig("max_wal_size", "2GB").shared();
    }

    private static EmbeddedPostgresFixture target() {
        return EmbeddedPostgresFixture.builder("verify-target")
                .serverConfig("shared_buffers", "128MB").serverConfig("max_wal_size", "2GB").shared();
    }

    /** A pair of fresh databases, one on each server. */
    public static Pair fresh() {
        String db = "v" + DATABASES.incrementAndGet();
        source().createDatabase(db);
        target().createDatabase(db);
        return new Pair(db);
    }

    /** Source and target databases of one test. */
    public static final class Pair {
        private final String db;

        private Pair(String db) {
            this.db = db;
        }

        public DataSource source() {
            return TwoPostgres.source().dataSource(db);
        }

        public DataSource target() {
            return TwoPostgres.target().dataSource(db);
        }

        /** A data source whose bytes read from the server are added to {@link CountingSocketFactory#read(String)}. */
        public DataSource countingSource(String counter) {
            return counting(sourceUrl(), counter);
        }

        public DataSource countingTarget(String counter) {
            return counting(targetUrl(), counter);
        }

        private static DataSource counting(String url, String counter) {
            PGSimpleDataSource ds = new PGSimpleDataSource();
            ds.setUrl(url);
            ds.setSocketFactory(CountingSocketFactory.class.getName());
            ds.setSocketFactoryArg(counter);
            return ds;
        }

        public String sourceUrl() {
            return TwoPostgres.source().jdbcUrl(db);
        }

        public String targetUrl() {
            return TwoPostgres.target().jdbcUrl(db);
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
