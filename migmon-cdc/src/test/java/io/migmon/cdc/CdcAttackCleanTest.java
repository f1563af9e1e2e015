package io.migmon.cdc;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migmon.cdc.event.ChangeEvent;
import io.migmon.core.testing.MutableClock;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.within;

/**
 * Independent attack on the newest migmon-cdc changes (issue 11, branch cdc-clean): transaction {@code END}
 * records mapped to their connector by {@code topic.prefix}, and {@link PublicationAudit}'s list parsing.
 * MutableClock: exact to the ms; ground truth is the source-side timestamps the records carry.
 */
class CdcAttackCleanTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final MutableClock clock = MutableClock.at("2026-01-10T10:00:00Z");

    private static String change(String server, String table, int id, long sourceTsMs) {
        return "{\"before\":null,\"after\":{\"id\":" + id + "},\"source\":{\"name\":\"" + server + "\",\"ts_ms\":"
                + sourceTsMs + ",\"schema\":\"public\",\"table\":\"" + table + "\"},\"op\":\"c\",\"ts_ms\":"
                + sourceTsMs + "}";
    }

    /** A processor on this test's registry and clock that applies nothing, heartbeats expected every 2 s. */
    private CdcEventProcessor heartbeatProcessor() {
        return CdcEventProcessor.builder().meterRegistry(registry).clock(clock)
                .applier(batch -> { }).heartbeatInterval(Duration.ofSeconds(2)).build();
    }

    private CdcRecord heartbeat(String server) {
        return CdcRecord.of("__debezium-heartbeat." + server, "{\"serverName\":\"" + server + "\"}",
                "{\"ts_ms\":" + clock.millis() + "}");
    }

    private CdcRecord end(String txTopic, String id) {
        return CdcRecord.of(txTopic, "{\"id\":\"" + id + "\"}", "{\"status\":\"END\",\"id\":\"" + id
                + "\",\"event_count\":0,\"ts_ms\":" + clock.millis() + "}");
    }

    private double lag(String table) {
        return registry.get("cdc.replication.lag").tags("source_table", "public." + table, "target_table",
                "public." + table).gauge().value();
    }

    /**
     * Finding 4: {@code topic.prefix} values may contain dots ({@code shop} and {@code shop.eu} are both valid).
     * Connector {@code shop.eu} has no transaction metadata (or has not committed since the processor started) and
     * goes silent; connector {@code shop} keeps committing. The data topic {@code shop.eu.public.invoices} starts with
     * {@code shop.}, so it is mapped to {@code shop.transaction} (and the mapping is remembered): shop's ENDs keep the
     * silent connector's table at 0 s. Truth: nothing of shop.eu is confirmed after its last heartbeat, 10 s ago.
     * The envelope's {@code source.name} (= topic.prefix) names the connector exactly; the prefix match guesses.
     */
    @Test
    void anEndOfConnectorShopDoesNotConfirmConnectorShopEu() {
        try (CdcEventProcessor p = heartbeatProcessor()) {
            long t0 = clock.millis();
            p.process(List.of(CdcRecord.of("shop.public.orders", null, change("shop", "orders", 1, t0 - 100)),
                    CdcRecord.of("shop.eu.public.invoices", null, change("shop.eu", "invoices", 1, t0 - 100)),
                    heartbeat("shop"), heartbeat("shop.eu")));
            assertThat(lag("invoices")).isZero();
            // shop.eu goes silent; shop keeps committing transactions and sending heartbeats for 10 s
            for (int s = 1; s <= 10; s++) {
                clock.advance(Duration.ofSeconds(1));
                p.process(List.of(end("shop.transaction", s + ":1"), heartbeat("shop")));
            }
            assertThat(lag("orders")).as("shop confirmed by its own ENDs").isZero();
            assertThat(lag("invoices")).as("shop.eu silent for 10 s: shop's ENDs say nothing about it")
                    .isEqualTo(10.0, within(1e-9));
        }
    }

    /**
     * Control for finding 4 (passes): the same run without transaction ENDs. Heartbeat topics are matched by the
     * longest prefix among those known, so shop's heartbeats alone do not confirm shop.eu: the 0 of finding 4 comes
     * from the END mapping.
     */
    @Test
    void withoutEndsShopsHeartbeatsDoNotConfirmShopEu() {
        try (CdcEventProcessor p = heartbeatProcessor()) {
            long t0 = clock.millis();
            p.process(List.of(CdcRecord.of("shop.public.orders", null, change("shop", "orders", 1, t0 - 100)),
                    CdcRecord.of("shop.eu.public.invoices", null, change("shop.eu", "invoices", 1, t0 - 100)),
                    heartbeat("shop"), heartbeat("shop.eu")));
            assertThat(lag("invoices")).isZero();
            for (int s = 1; s <= 10; s++) {
                clock.advance(Duration.ofSeconds(1));
                p.process(List.of(heartbeat("shop")));
            }
            assertThat(lag("orders")).isZero();
            assertThat(lag("invoices")).isEqualTo(10.0, within(1e-9));
        }
    }

    /**
     * Attack (2) "ENDs arriving before the data" (not disabled when it holds): the END of transaction 7:1 (2 events,
     * commit T) is consumed before its 2 changes (they are on another topic; in process()/embedded mode they simply
     * come later). Heartbeats keep flowing. Truth: 2 changes committed at T are not applied, staleness = now - T.
     * The END itself says so (event_count 2, none of its changes seen).
     */
    @Test
    void anEndConsumedBeforeItsDataDoesNotReadZeroWhileTheDataIsMissing() {
        try (CdcEventProcessor p = heartbeatProcessor()) {
            p.process(List.of(CdcRecord.of("shop.public.orders", null, change("shop", "orders", 1,
                    clock.millis() - 100)), heartbeat("shop")));
            assertThat(lag("orders")).isZero();
            clock.advance(Duration.ofSeconds(1));
            long commit = clock.millis();
            p.process(List.of(CdcRecord.of("shop.transaction", "{\"id\":\"7:1\"}", "{\"status\":\"END\",\"id\":"
                    + "\"7:1\",\"event_count\":2,\"data_collections\":[{\"data_collection\":\"public.orders\","
                    + "\"event_count\":2}],\"ts_ms\":" + commit + "}")));
            for (int s = 1; s <= 3; s++) {
                clock.advance(Duration.ofSeconds(1));
                p.process(List.of(heartbeat("shop")));
            }
            double overall = registry.get("cdc.replication.lag.overall").gauge().value();
            assertThat(overall).as("2 changes committed 3 s ago are not applied").isEqualTo(3.0, within(1e-9));
        }
    }

    /**
     * Finding 9: the check is named after the publication only ({@code cdc-publication-<publication>}). Two
     * connectors on two source databases that both keep Debezium's default {@code publication.name}
     * ({@code dbz_publication}, the common case) give two checks of the same name: a composite of both is refused
     * ("duplicate check name"), and there is no way to name the check (nor the source in its name); with
     * {@code HealthMeters} both would be tagged {@code check="cdc-publication-dbz_publication"} (not run here).
     */
    @Test
    void twoSourcesWithTheDefaultPublicationGiveTwoDistinctChecks() {
        org.postgresql.ds.PGSimpleDataSource orders = new org.postgresql.ds.PGSimpleDataSource();
        orders.setDatabaseName("orders");
        org.postgresql.ds.PGSimpleDataSource billing = new org.postgresql.ds.PGSimpleDataSource();
        billing.setDatabaseName("billing");
        var a = PublicationAudit.of(orders, null, "public\\.orders").healthCheck();
        var b = PublicationAudit.of(billing, null, "public\\.invoices").healthCheck();
        assertThat(a.name()).as("one check per connector/source").isNotEqualTo(b.name());
        assertThatCode(() -> io.migmon.core.health.CompositeHealthCheck.builder("cdc").add(a).add(b).build())
                .doesNotThrowAnyException();
        assertThat(a.name()).isEqualTo("cdc-publication-orders.dbz_publication");
        // the caller can name the check (two audits of one database and publication, or an unknown database)
        assertThat(PublicationAudit.of(orders, null, null).healthCheck("orders-source").name())
                .isEqualTo("orders-source");
        assertThat(PublicationAudit.databaseOfUrl("jdbc:postgresql://db1:5432,db2:5432/billing?ssl=true"))
                .isEqualTo("billing");
        assertThat(PublicationAudit.databaseOfUrl("jdbc:postgresql://db1/")).isNull();
    }

    /**
     * Finding 10 (same mechanism as finding 4, in the heartbeat mapping of the previous round, which the END mapping
     * copied): the mapping is remembered once found. If {@code shop.eu}'s table is read while only shop's heartbeat
     * topic is known (shop.eu's first heartbeat not consumed yet), it is mapped to {@code __debezium-heartbeat.shop}
     * for good: after shop.eu's own heartbeat arrives and shop.eu then goes silent, shop's heartbeats keep its table
     * at 0 s. Truth: shop.eu confirmed nothing for 10 s.
     */
    @Test
    void aHeartbeatMappingIsNotFixedBeforeTheLongerPrefixIsKnown() {
        try (CdcEventProcessor p = heartbeatProcessor()) {
            long t0 = clock.millis();
            p.process(List.of(CdcRecord.of("shop.eu.public.invoices", null, change("shop.eu", "invoices", 1, t0 - 100)),
                    heartbeat("shop")));
            lag("invoices"); // a scrape while only shop's heartbeat topic is known
            clock.advance(Duration.ofSeconds(1));
            p.process(List.of(heartbeat("shop.eu")));
            long lastOwn = clock.millis();
            for (int s = 1; s <= 10; s++) {
                clock.advance(Duration.ofSeconds(1));
                p.process(List.of(heartbeat("shop")));
            }
            assertThat(lag("invoices")).as("shop.eu silent since its heartbeat 10 s ago")
                    .isEqualTo((clock.millis() - lastOwn) / 1000.0, within(1e-9));
        }
    }

    /**
     * Finding 10 without {@code source.name} (changes that do not name their connector): the mapping is a guess from
     * the topic name, redone when a heartbeat topic with a longer matching prefix appears.
     */
    @Test
    void aGuessedHeartbeatMappingIsRedoneWhenALongerPrefixAppears() {
        try (CdcEventProcessor p = heartbeatProcessor()) {
            long t0 = clock.millis();
            p.process(List.of(CdcRecord.of("shop.eu.public.invoices", null, "{\"before\":null,\"after\":{\"id\":1},"
                    + "\"source\":{\"ts_ms\":" + (t0 - 100) + ",\"schema\":\"public\",\"table\":\"invoices\"},"
                    + "\"op\":\"c\",\"ts_ms\":" + (t0 - 100) + "}"), heartbeat("shop")));
            lag("invoices"); // guessed: shop's heartbeat topic, the only one known
            clock.advance(Duration.ofSeconds(1));
            p.process(List.of(heartbeat("shop.eu")));
            long lastOwn = clock.millis();
            for (int s = 1; s <= 10; s++) {
                clock.advance(Duration.ofSeconds(1));
                p.process(List.of(heartbeat("shop")));
            }
            assertThat(lag("invoices")).as("re-mapped to shop.eu's heartbeats, silent for 10 s")
                    .isEqualTo((clock.millis() - lastOwn) / 1000.0, within(1e-9));
        }
    }

    /** Held up: {@code shop} vs {@code shop2} (a prefix of the other without a dot) are told apart. */
    @Test
    void prefixesThatArePrefixesOfEachOtherAreToldApart() {
        try (CdcEventProcessor p = heartbeatProcessor()) {
            long t0 = clock.millis();
            p.process(List.of(CdcRecord.of("shop.public.orders", null, change("shop", "orders", 1, t0 - 100)),
                    CdcRecord.of("shop2.public.invoices", null, change("shop2", "invoices", 1, t0 - 100)),
                    heartbeat("shop"), heartbeat("shop2")));
            for (int s = 1; s <= 10; s++) {
                clock.advance(Duration.ofSeconds(1));
                p.process(List.of(end("shop.transaction", s + ":1"), heartbeat("shop")));
            }
            assertThat(lag("orders")).isZero();
            assertThat(lag("invoices")).isEqualTo(10.0, within(1e-9));
        }
    }

    /**
     * Finding 5: a source table named {@code transaction} (a banking schema's {@code public.transaction}) has the
     * data topic {@code shop.public.transaction}, which ends with the transaction-topic suffix {@code .transaction}.
     * Its changes are taken for transaction-metadata records and dead-lettered as "not a Debezium transaction
     * record": the table can never be replicated (every row in the DLQ), and the topic is also taken as a
     * connector's transaction topic (prefix {@code shop.public}). Debezium's transaction topic is exactly
     * {@code <topic.prefix>.transaction}: two dot-separated parts less than a data topic.
     */
    @Test
    void aTableNamedTransactionIsReplicated() {
        List<ChangeEvent> applied = new ArrayList<>();
        try (CdcEventProcessor p = CdcEventProcessor.builder().meterRegistry(registry).clock(clock)
                .applier(applied::addAll).build()) {
            p.process(List.of(CdcRecord.of("shop.public.transaction", "{\"id\":1}",
                    change("shop", "transaction", 1, clock.millis()))));
            assertThat(p.deadLettered()).as("a valid change event").isZero();
            assertThat(applied).hasSize(1);
        }
    }

    /**
     * Finding 6: Debezium's list splitter takes {@code \,} as a literal comma inside one regex (Strings.RegExSplitter,
     * debezium-util 3.6.1: {@code "public\\.a\\,b , public\\.c"} gives {@code [public\.a,b, public\.c]}), e.g. for a
     * quoted table name containing a comma. The audit splits at every comma: a config Debezium accepts fails the
     * audit's construction ("table.include.list is not a valid regular expression").
     */
    @Test
    void anEscapedCommaInAnIncludeListIsAcceptedAsDebeziumDoes() {
        org.postgresql.ds.PGSimpleDataSource ds = new org.postgresql.ds.PGSimpleDataSource();
        assertThatCode(() -> PublicationAudit.of(ds, "p", "public\\.\"a\\,b\", public\\.c")).doesNotThrowAnyException();
        // Debezium's example (Strings.RegExSplitter): two regexes, the first with a literal comma
        assertThat(PublicationAudit.split("public\\.a\\,b , public\\.c")).containsExactly("public\\.a,b ", " public\\.c");
    }
    /**
     * Held up: a source that accepts the TCP connection and never answers (a hung server, a proxy in front of a dead
     * one). pgjdbc bounds the startup handshake by its connectTimeout (default 10 s): {@code check()} answers DEGRADED
     * ("SQLState 08001") instead of blocking the host's health endpoint. Margin: 60 s.
     */
    @Test
    void aSourceThatNeverAnswersIsDegradedNotAHang() throws Exception {
        java.util.List<java.net.Socket> held = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (java.net.ServerSocket server = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            Thread acceptor = new Thread(() -> {
                try {
                    while (true) {
                        held.add(server.accept()); // never answers the startup message
                    }
                } catch (java.io.IOException closed) {
                    // test over
                }
            }, "silent-source");
            acceptor.setDaemon(true);
            acceptor.start();
            org.postgresql.ds.PGSimpleDataSource ds = new org.postgresql.ds.PGSimpleDataSource();
            ds.setServerNames(new String[] {"127.0.0.1"});
            ds.setPortNumbers(new int[] {server.getLocalPort()});
            ds.setDatabaseName("postgres");
            ds.setUser("postgres");
            var check = PublicationAudit.of(ds, "p", null).healthCheck();
            java.util.concurrent.ExecutorService ex = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "audit-check");
                t.setDaemon(true);
                return t;
            });
            try {
                var h = ex.submit(check::check).get(60, java.util.concurrent.TimeUnit.SECONDS);
                assertThat(h.status()).isEqualTo(io.migmon.core.health.HealthStatus.DEGRADED);
            } finally {
                ex.shutdownNow();
                for (java.net.Socket s : held) {
                    s.close();
                }
            }
        }
    }
}
