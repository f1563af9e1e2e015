package io.migmon.cdc;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.postgresql.ds.PGSimpleDataSource;

import javax.sql.DataSource;
import java.io.File;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;

/**
 * A target PostgreSQL that a test can stop and start again on the same port with the same data (zonky cleans the
 * data directory on close unless told not to): a real outage of the target, seen by the JDBC driver as a refused
 * connection (SQLState 08001).
 */
final class RestartableTarget implements AutoCloseable {

    private final Path dir;
    private final int port;
    private EmbeddedPostgres pg;

    RestartableTarget() throws Exception {
        dir = Path.of("target", "target-pg-" + UUID.randomUUID().toString().substring(0, 8)).toAbsolutePath();
        Files.createDirectories(dir);
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        start();
    }

    synchronized void start() throws Exception {
        pg = EmbeddedPostgres.builder()
                .setOverrideWorkingDirectory(new File(dir.toFile(), "work"))
                .setDataDirectory(dir.resolve("data"))
                .setCleanDataDirectory(false)
                .setPort(port)
                .setServerConfig("listen_addresses", "127.0.0.1")
                .start();
    }

    synchronized void stop() throws Exception {
        if (pg != null) {
            pg.close();
            pg = null;
        }
    }

    /** A data source that survives restarts (plain driver connections to the fixed port). */
    DataSource dataSource() {
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setServerNames(new String[] {"127.0.0.1"});
        ds.setPortNumbers(new int[] {port});
        ds.setDatabaseName("postgres");
        ds.setUser("postgres");
        ds.setConnectTimeout(2);
        return ds;
    }

    @Override
    public void close() throws Exception {
        stop();
    }
}
