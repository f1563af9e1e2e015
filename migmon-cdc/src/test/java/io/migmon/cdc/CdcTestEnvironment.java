package io.migmon.cdc;

import io.migmon.testsupport.EmbeddedPostgresFixture;
import io.migmon.testsupport.KafkaTestBroker;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.connect.cli.ConnectDistributed;
import org.apache.kafka.connect.runtime.Connect;

import javax.sql.DataSource;
import java.io.File;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * One embedded PostgreSQL (wal_level=logical), one Kafka KRaft broker and one Kafka Connect worker per test JVM,
 * started on first use and stopped by a shutdown hook. The source database is {@code postgres}, the target
 * database {@code tgt}.
 */
final class CdcTestEnvironment {

    private static CdcTestEnvironment instance;

    final EmbeddedPostgresFixture postgres;
    private final DataSource target;
    final KafkaClusterTestKit kafka;
    private Connect<?> connect;

    private CdcTestEnvironment() throws Exception {
        String id = UUID.randomUUID().toString().substring(0, 8);
        Path work = Path.of("target", "it-" + id).toAbsolutePath();
        Files.createDirectories(work);
        // ground truth for lag: pg_xact_commit_timestamp(xmin) = Debezium's source.ts_us
        postgres = EmbeddedPostgresFixture.builder("cdc-it").baseDirectory(work.resolve("pg"))
                .logicalReplication().trackCommitTimestamp().start();
        target = postgres.createDatabase("tgt");
        kafka = KafkaTestBroker.start(work.resolve("kafka"));
    }

    static synchronized CdcTestEnvironment get() throws Exception {
        if (instance == null) {
            instance = new CdcTestEnvironment();
            CdcTestEnvironment env = instance;
            Runtime.getRuntime().addShutdownHook(new Thread(env::stop, "cdc-it-shutdown"));
        }
        return instance;
    }

    /** The Connect worker's REST address; the worker is started on first call. */
    synchronized URI connectUri() {
        if (connect == null) {
            Map<String, String> w = KafkaTestBroker.connectWorkerConfig(kafka.bootstrapServers(), "connect-it");
            w.put("key.converter.schemas.enable", "false");
            w.put("value.converter.schemas.enable", "false");
            w.put("offset.flush.interval.ms", "500");
            connect = new ConnectDistributed().startConnect(w);
        }
        return connect.rest().serverUrl();
    }

    /** Stops the Connect worker (call from the owning test class's {@code @AfterAll}). */
    synchronized void stopConnect() {
        if (connect != null) {
            long t0 = System.nanoTime();
            connect.stop();
            connect = null;
            System.err.println("cdc-it: connect stopped in " + (System.nanoTime() - t0) / 1_000_000 + " ms");
        }
    }

    String bootstrapServers() {
        return kafka.bootstrapServers();
    }

    /** Creates these topics on the broker, one partition each, replication factor 1. */
    void createTopics(String... names) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrapServers()))) {
            List<NewTopic> topics = new ArrayList<>();
            for (String name : names) {
                topics.add(new NewTopic(name, 1, (short) 1));
            }
            admin.createTopics(topics).all().get();
        }
    }

    DataSource source() {
        return postgres.dataSource();
    }

    DataSource target() {
        return target;
    }

    int postgresPort() {
        return postgres.port();
    }

    /**
     * Debezium embedded-engine properties for the PostgreSQL connector on the source database (pgoutput, filtered
     * publication, in-memory offsets, decimals as strings): the one place tests write them.
     *
     * @param name engine name; also the slot and publication name ({@code migmon_<name>})
     * @param topicPrefix Debezium's {@code topic.prefix}
     * @param table the captured {@code schema.table}
     */
    java.util.Properties engineProperties(String name, String topicPrefix, String table) {
        java.util.Properties props = new java.util.Properties();
        props.setProperty("name", "migmon-" + name);
        props.setProperty("connector.class", "io.debezium.connector.postgresql.PostgresConnector");
        props.setProperty("offset.storage", "org.apache.kafka.connect.storage.MemoryOffsetBackingStore");
        props.setProperty("offset.flush.interval.ms", "1000");
        props.setProperty("database.hostname", "127.0.0.1");
        props.setProperty("database.port", Integer.toString(postgresPort()));
        props.setProperty("database.user", "postgres");
        props.setProperty("database.password", "postgres");
        props.setProperty("database.dbname", "postgres");
        props.setProperty("topic.prefix", topicPrefix);
        props.setProperty("table.include.list", table);
        props.setProperty("plugin.name", "pgoutput");
        props.setProperty("slot.name", "migmon_" + name);
        props.setProperty("publication.name", "migmon_" + name);
        props.setProperty("publication.autocreate.mode", "filtered");
        props.setProperty("decimal.handling.mode", "string");
        return props;
    }

    /**
     * Drops the replication slot {@code migmon_<name>} of a deleted connector once it is inactive (best effort, up to
     * 15 s): the source allows 10 slots per test JVM, and every connector left one behind.
     */
    void dropSlot(String name) {
        long deadline = System.nanoTime() + 15_000_000_000L;
        while (System.nanoTime() < deadline) {
            try (Connection c = source().getConnection(); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT active FROM pg_replication_slots WHERE slot_name = 'migmon_"
                         + name + "'")) {
                if (!rs.next()) {
                    return;
                }
                if (!rs.getBoolean(1)) {
                    s.execute("SELECT pg_drop_replication_slot('migmon_" + name + "')");
                    return;
                }
            } catch (Exception e) {
                // still in use: retry
            }
            try {
                Thread.sleep(250);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    static void exec(DataSource ds, String... sql) throws Exception {
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            for (String q : sql) {
                s.execute(q);
            }
        }
    }

    /** Rows as text, ordered by the first column. */
    static List<String> rows(DataSource ds, String table) throws Exception {
        return query(ds, "SELECT * FROM " + table + " ORDER BY 1");
    }

    /** The rows {@code sql} returns, each as its columns' text joined by (and ending with) {@code |}. */
    static List<String> query(DataSource ds, String sql) throws Exception {
        List<String> out = new ArrayList<>();
        try (Connection c = ds.getConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            int n = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                StringBuilder b = new StringBuilder();
                for (int i = 1; i <= n; i++) {
                    b.append(rs.getString(i)).append('|');
                }
                out.add(b.toString());
            }
        }
        return out;
    }

    private void stop() {
        try {
            stopConnect();
        } catch (Exception ignored) {
            // shutting down
        }
        long t0 = System.nanoTime();
        try {
            kafka.close();
            System.err.println("cdc-it: kafka stopped in " + (System.nanoTime() - t0) / 1_000_000 + " ms");
        } catch (Exception ignored) {
            // shutting down
        }
        try {
            postgres.close();
        } catch (Exception ignored) {
            // shutting down
        }
    }
}
