package io.migmon.cdc;

import io.migmon.testsupport.EmbeddedPostgresFixture;
import org.postgresql.ds.PGSimpleDataSource;

import javax.sql.DataSource;
import java.util.UUID;

/**
 * A target PostgreSQL that a test can stop and start again on the same port with the same data (the shared
 * {@link EmbeddedPostgresFixture}, restartable): a real outage of the target, seen by the JDBC driver as a refused
 * connection (SQLState 08001).
 */
final class RestartableTarget implements AutoCloseable {

    private final EmbeddedPostgresFixture pg;

    RestartableTarget() {
        pg = EmbeddedPostgresFixture.builder("cdc-target-" + UUID.randomUUID().toString().substring(0, 8))
                .restartable().start();
    }

    void start() {
        pg.restart();
    }

    void stop() {
        pg.stop();
    }

    /** A data source that survives restarts (plain driver connections to the fixed port, 2 s connect timeout). */
    DataSource dataSource() {
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setServerNames(new String[] {"127.0.0.1"});
        ds.setPortNumbers(new int[] {pg.port()});
        ds.setDatabaseName(EmbeddedPostgresFixture.POSTGRES);
        ds.setUser(EmbeddedPostgresFixture.POSTGRES);
        ds.setConnectTimeout(2);
        return ds;
    }

    @Override
    public void close() {
        pg.close();
    }
}
