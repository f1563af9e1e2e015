package io.migmon.testsupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

class EmbeddedPostgresFixtureIT {

    private static final Path BASE = Path.of("target", "embedded-postgres").toAbsolutePath();

    @Test
    void startsWithTheServerConfigAndDataUnderTarget() throws Exception {
        try (EmbeddedPostgresFixture pg = EmbeddedPostgresFixture.builder("config").logicalReplication()
                .trackCommitTimestamp().start()) {
            assertThat(show(pg.dataSource(), "wal_level")).isEqualTo("logical");
            assertThat(show(pg.dataSource(), "track_commit_timestamp")).isEqualTo("on");
            assertThat(show(pg.dataSource(), "max_replication_slots")).isEqualTo("10");
            assertThat(show(pg.dataSource(), "listen_addresses")).isEqualTo("127.0.0.1");
            assertThat(show(pg.dataSource(), "data_directory"))
                    .startsWith(BASE.resolve("data-config-").toString());
            assertThat(pg.jdbcUrl("postgres")).contains("localhost:" + pg.port() + "/postgres");
            try (Connection c = DriverManager.getConnection(pg.jdbcUrl("postgres"), "postgres", "")) {
                assertThat(c.isValid(5)).isTrue();
            }
        }
    }

    @Test
    void freshDatabasesAreSeparateAndCloseDeletesTheData() throws Exception {
        Path data;
        try (EmbeddedPostgresFixture pg = EmbeddedPostgresFixture.builder("fresh").start()) {
            DataSource a = pg.freshDatabase();
            DataSource b = pg.freshDatabase();
            exec(a, "CREATE TABLE only_in_a (id int)");
            assertThat(count(a, "SELECT count(*) FROM pg_tables WHERE tablename = 'only_in_a'")).isEqualTo(1);
            assertThat(count(b, "SELECT count(*) FROM pg_tables WHERE tablename = 'only_in_a'")).isZero();
            data = Path.of(show(pg.dataSource(), "data_directory"));
            assertThat(data).exists();
        }
        assertThat(data).doesNotExist();
    }

    @Test
    void aRestartableServerComesBackOnTheSamePortWithItsData() throws Exception {
        try (EmbeddedPostgresFixture pg = EmbeddedPostgresFixture.builder("restart").restartable().start()) {
            int port = pg.port();
            DataSource db = pg.createDatabase("kept");
            exec(db, "CREATE TABLE t (id int)", "INSERT INTO t VALUES (1), (2), (3)");

            pg.stop();
            assertThat(pg.isRunning()).isFalse();
            assertThatThrownBy(() -> pg.dataSource().getConnection()).isInstanceOf(IllegalStateException.class);
            try (Connection ignored = DriverManager.getConnection("jdbc:postgresql://localhost:" + port + "/kept",
                    "postgres", "")) {
                throw new AssertionError("server still answers after stop()");
            } catch (SQLException expected) {
                // refused: the server is down
            }

            pg.restart();
            assertThat(pg.port()).isEqualTo(port);
            assertThat(count(pg.dataSource("kept"), "SELECT count(*) FROM t")).isEqualTo(3);
            assertThatThrownBy(pg::restart).isInstanceOf(IllegalStateException.class).hasMessageContaining("stop()");
        }
    }

    @Test
    void sharedServersAreOnePerNameAndCloseLeavesThemRunning() throws Exception {
        EmbeddedPostgresFixture first = EmbeddedPostgresFixture.builder("shared").shared();
        EmbeddedPostgresFixture second = EmbeddedPostgresFixture.builder("shared").trackCommitTimestamp().shared();
        assertThat(second).isSameAs(first);
        second.close();
        assertThat(first.isRunning()).isTrue();
        assertThat(count(first.dataSource(), "SELECT 1")).isEqualTo(1);
    }

    @Test
    void badArgumentsNameTheField() {
        assertThatThrownBy(() -> EmbeddedPostgresFixture.builder("Bad Name"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("name");
        assertThatThrownBy(() -> EmbeddedPostgresFixture.builder("x").port(0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("port");
        assertThatThrownBy(() -> EmbeddedPostgresFixture.builder("x").serverConfig(" ", "1"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("serverConfig");
    }

    private static String show(DataSource ds, String setting) throws SQLException {
        try (Connection c = ds.getConnection(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SHOW " + setting)) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static long count(DataSource ds, String sql) throws SQLException {
        try (Connection c = ds.getConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static void exec(DataSource ds, String... sql) throws SQLException {
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            for (String q : sql) {
                s.execute(q);
            }
        }
    }
}
