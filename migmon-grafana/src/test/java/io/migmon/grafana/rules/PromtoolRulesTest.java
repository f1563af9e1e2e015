package io.migmon.grafana.rules;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.migmon.core.metrics.MetricsOptions;
import io.migmon.core.testing.ExternalTools;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * The generated rules pass {@code promtool check rules} (rule file and the PrometheusRule's spec) and
 * {@code promtool test rules}: for every alert, series that make it fire and series that must not.
 */
class PromtoolRulesTest {

    private static final YAMLMapper YAML = new YAMLMapper();
    private static final Pattern LABEL_REF = Pattern.compile("\\{\\{ \\$labels\\.([a-z_]+) }}");

    private Path promtool;
    private Path dir;

    @BeforeEach
    void setUp(TestInfo info) throws IOException {
        promtool = ExternalTools.require("promtool", "prometheus");
        dir = Files.createDirectories(Path.of("target", "promtool", info.getTestMethod().orElseThrow().getName()))
                .toAbsolutePath();
    }

    @Test
    void checkRulesAcceptsTheRuleFile() throws IOException {
        Path file = dir.resolve("migmon-rules.yml");
        Files.writeString(file, MigmonAlertRules.builder().label("team", "data")
                .runbookBaseUrl("https://runbooks.example.com/").build().toRuleFileYaml());
        ExternalTools.Result r = ExternalTools.run(dir, List.of(promtool.toString(), "check", "rules", file.toString()), 60);
        assertThat(r.exitCode()).as(r.output()).isZero();
        assertThat(r.output()).contains("SUCCESS: 13 rules found");
    }

    @Test
    void checkRulesAcceptsThePrometheusRuleSpec() throws IOException {
        String resource = MigmonAlertRules.builder().metricsOptions(MetricsOptions.builder().prefix("myapp").build())
                .build().toPrometheusRuleYaml("migmon", "monitoring", Map.of("release", "kube-prometheus-stack"));
        ObjectNode spec = (ObjectNode) YAML.readTree(resource).get("spec");
        Path file = dir.resolve("spec.yml");
        Files.writeString(file, YAML.writeValueAsString(spec));
        ExternalTools.Result r = ExternalTools.run(dir, List.of(promtool.toString(), "check", "rules", file.toString()), 60);
        assertThat(r.exitCode()).as(r.output()).isZero();
    }

    @Test
    void alertsFireAndDoNotFire() throws IOException {
        MigmonAlertRules rules = MigmonAlertRules.builder().valueInAnnotations(false).build();
        Tests t = new Tests(rules, "");

        ObjectNode failed = t.testCase();
        series(failed, "migration_status{migration_id=\"m1\",status=\"failed\"}", "0 0 1x5");
        series(failed, "migration_status{migration_id=\"m2\",status=\"failed\"}", "0x7");
        t.expect(failed, "migration_failed", "1m");
        t.expect(failed, "migration_failed", "3m", Map.of("migration_id", "m1", "status", "failed"));

        ObjectNode validation = t.testCase();
        // two verifications of one table against different targets: only the differing one fires, by its name
        series(validation, "migration_validation_differences{verification=\"orders-archive\",table=\"orders\"}",
                "0 0 3x5");
        series(validation, "migration_validation_differences{verification=\"orders-replica\",table=\"orders\"}",
                "0x7");
        series(validation, "migration_validation_differences{verification=\"lines\",table=\"lines\"}", "0x7");
        t.expect(validation, "validation_differences", "1m");
        t.expect(validation, "validation_differences", "3m", Map.of("verification", "orders-archive",
                "table", "orders"));

        ObjectNode errors = t.testCase();
        series(errors, "migration_rows_total{migration_id=\"m1\",table_name=\"orders\"}", "0+100x20");
        series(errors, "migration_errors_total{migration_id=\"m1\",error_type=\"SQLException\"}", "0+5x20");
        series(errors, "migration_rows_total{migration_id=\"m2\",table_name=\"orders\"}", "0+100x20");
        series(errors, "migration_errors_total{migration_id=\"m2\",error_type=\"SQLException\"}", "0x20");
        t.expect(errors, "high_error_rate", "3m");   // 5% but still pending (for: 5m)
        t.expect(errors, "high_error_rate", "12m", Map.of("migration_id", "m1"));

        ObjectNode slow = t.testCase();
        for (String id : List.of("m1", "m2", "m3", "m4")) {
            series(slow, "migration_throughput_rows_per_second{migration_id=\"" + id + "\"}", "10x40");
        }
        series(slow, "migration_rows_total{migration_id=\"m1\",table_name=\"t\"}", "0+60x40");   // 1 row/s < 0.4 * 10
        // 4.5 rows/s: below 0.5 x but above the detector's default ratio 0.4 x the expected rate: the rule agrees
        // with LowThroughputDetector (a trough at 45% of the expected rate is not low_throughput)
        series(slow, "migration_rows_total{migration_id=\"m4\",table_name=\"t\"}", "0+270x40");
        series(slow, "migration_status{migration_id=\"m4\",status=\"running\"}", "1x40");
        series(slow, "migration_rows_total{migration_id=\"m2\",table_name=\"t\"}", "0+600x40");  // 10 rows/s
        series(slow, "migration_rows_total{migration_id=\"m3\",table_name=\"t\"}", "0+60x40");   // slow, not running
        series(slow, "migration_status{migration_id=\"m1\",status=\"running\"}", "1x40");
        series(slow, "migration_status{migration_id=\"m2\",status=\"running\"}", "1x40");
        series(slow, "migration_status{migration_id=\"m3\",status=\"running\"}", "0x40");
        t.expect(slow, "low_throughput", "5m");     // pending (for: 10m)
        t.expect(slow, "low_throughput", "20m", Map.of("migration_id", "m1"));

        ObjectNode lag = t.testCase();
        series(lag, "migration_data_lag_seconds{migration_id=\"m1\"}", "400x10");
        series(lag, "migration_data_lag_seconds{migration_id=\"m2\"}", "100x10");
        t.expect(lag, "high_data_lag", "2m");
        t.expect(lag, "high_data_lag", "7m", Map.of("migration_id", "m1"));

        ObjectNode stalled = t.testCase();
        series(stalled, "migration_last_progress_seconds{migration_id=\"m1\"}", "0x25");       // no progress since t=0
        series(stalled, "migration_last_progress_seconds{migration_id=\"m2\"}", "0+60x25");    // progress every minute
        series(stalled, "migration_last_progress_seconds{migration_id=\"m3\"}", "0x25");       // old, but finished
        series(stalled, "migration_status{migration_id=\"m1\",status=\"running\"}", "1x25");
        series(stalled, "migration_status{migration_id=\"m2\",status=\"running\"}", "1x25");
        series(stalled, "migration_status{migration_id=\"m3\",status=\"running\"}", "0x25");
        t.expect(stalled, "stall", "12m");       // stalled since 10m, pending
        t.expect(stalled, "stall", "20m", Map.of("migration_id", "m1"));

        ObjectNode cdcStalled = t.testCase();
        series(cdcStalled, "cdc_consumer_lag_messages{topic=\"db.public.orders\",partition=\"0\"}", "50x30");
        series(cdcStalled, "cdc_events_processed_total{source=\"db\",table=\"orders\",operation=\"c\"}", "5x30");
        t.expect(cdcStalled, "cdc_stall", "5m");
        t.expect(cdcStalled, "cdc_stall", "25m", Map.of());

        ObjectNode cdcNeverProcessed = t.testCase();
        series(cdcNeverProcessed, "cdc_consumer_lag_messages{topic=\"db.public.orders\",partition=\"0\"}", "50x30");
        t.expect(cdcNeverProcessed, "cdc_stall", "25m", Map.of());

        ObjectNode cdcTwoProcessors = t.testCase();
        // one Prometheus, processor "orders" stalled (50 waiting, nothing processed), "billing" flowing: billing's
        // rate must not mask orders' stall (issue 11, finding 11)
        series(cdcTwoProcessors, "cdc_consumer_lag_messages{processor=\"orders\",topic=\"db.public.orders\",partition=\"0\"}", "50x30");
        series(cdcTwoProcessors, "cdc_events_processed_total{processor=\"orders\",source=\"db\",table=\"orders\",operation=\"c\"}", "5x30");
        series(cdcTwoProcessors, "cdc_consumer_lag_messages{processor=\"billing\",topic=\"bill.public.invoices\",partition=\"0\"}", "0x30");
        series(cdcTwoProcessors, "cdc_events_processed_total{processor=\"billing\",source=\"bill\",table=\"invoices\",operation=\"c\"}", "0+10x30");
        // two instances of processor "shop" (one consumer group): i1 stalled on its partition, i2 flowing
        series(cdcTwoProcessors, "cdc_consumer_lag_messages{instance=\"i1\",processor=\"shop\",topic=\"s.public.o\",partition=\"0\"}", "9x30");
        series(cdcTwoProcessors, "cdc_events_processed_total{instance=\"i1\",processor=\"shop\",source=\"s\",table=\"o\",operation=\"c\"}", "3x30");
        series(cdcTwoProcessors, "cdc_consumer_lag_messages{instance=\"i2\",processor=\"shop\",topic=\"s.public.o\",partition=\"1\"}", "4x30");
        series(cdcTwoProcessors, "cdc_events_processed_total{instance=\"i2\",processor=\"shop\",source=\"s\",table=\"o\",operation=\"c\"}", "0+10x30");
        t.expect(cdcTwoProcessors, "cdc_stall", "5m");
        t.expect(cdcTwoProcessors, "cdc_stall", "25m", Map.of("processor", "orders"),
                Map.of("processor", "shop", "instance", "i1"));

        ObjectNode cdcFlowing = t.testCase();
        series(cdcFlowing, "cdc_consumer_lag_messages{topic=\"db.public.orders\",partition=\"0\"}", "50x30");
        series(cdcFlowing, "cdc_events_processed_total{source=\"db\",table=\"orders\",operation=\"c\"}", "0+10x30");
        series(cdcFlowing, "cdc_consumer_lag_seconds{topic=\"db.public.orders\",partition=\"0\"}", "400x30");
        series(cdcFlowing, "cdc_consumer_lag_seconds{topic=\"db.public.orders\",partition=\"1\"}", "10x30");
        series(cdcFlowing, "cdc_consumer_lag_seconds{topic=\"db.public.items\",partition=\"0\"}", "100x30");
        series(cdcFlowing, "cdc_replication_lag_seconds{source_table=\"public.orders\",target_table=\"orders\"}", "301x30");
        series(cdcFlowing, "cdc_replication_lag_seconds{source_table=\"public.items\",target_table=\"items\"}", "299x30");
        t.expect(cdcFlowing, "cdc_stall", "25m");
        t.expect(cdcFlowing, "cdc_high_consumer_lag", "25m", Map.of("topic", "db.public.orders"));
        t.expect(cdcFlowing, "cdc_high_replication_lag", "25m",
                Map.of("source_table", "public.orders", "target_table", "orders"));

        // apply lag of whole transactions: db1's complete after ~600 s (above 300 s), db2's within 0.5 s; none at
        // all in db3 (NaN: no alert)
        ObjectNode transactions = t.testCase();
        for (String le : List.of("0.01", "0.05", "0.1", "0.25", "0.5", "1.0", "2.5", "5.0", "10.0", "30.0", "60.0",
                "300.0", "1800.0", "+Inf")) {
            double bound = le.equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(le);
            series(transactions, "cdc_transaction_apply_lag_seconds_bucket{source=\"db1\",le=\"" + le + "\"}",
                    bound >= 1800 ? "0+10x30" : "0x30");
            series(transactions, "cdc_transaction_apply_lag_seconds_bucket{source=\"db2\",le=\"" + le + "\"}",
                    bound >= 0.5 ? "0+10x30" : "0x30");
            series(transactions, "cdc_transaction_apply_lag_seconds_bucket{source=\"db3\",le=\"" + le + "\"}",
                    "0x30");
        }
        t.expect(transactions, "cdc_high_transaction_apply_lag", "3m");   // pending (for: 5m)
        t.expect(transactions, "cdc_high_transaction_apply_lag", "25m", Map.of("source", "db1"));

        ObjectNode connector = t.testCase();
        series(connector, "cdc_connector_state{connector=\"c1\",state=\"FAILED\"}", "0 1 1 1 1");
        series(connector, "cdc_connector_state{connector=\"c2\",state=\"FAILED\"}", "0x5");
        series(connector, "cdc_connector_state{connector=\"c2\",state=\"RUNNING\"}", "1x5");
        t.expect(connector, "cdc_connector_failed", "1m");
        t.expect(connector, "cdc_connector_failed", "3m", Map.of("connector", "c1", "state", "FAILED"));

        // the Connect worker stopped answering: the client sets UNREACHABLE (RUNNING 0), which fires the same rule
        ObjectNode unreachable = t.testCase();
        series(unreachable, "cdc_connector_state{connector=\"c3\",state=\"RUNNING\"}", "1 0 0 0 0");
        series(unreachable, "cdc_connector_state{connector=\"c3\",state=\"UNREACHABLE\"}", "0 1 1 1 1");
        t.expect(unreachable, "cdc_connector_failed", "1m");
        t.expect(unreachable, "cdc_connector_failed", "3m", Map.of("connector", "c3", "state", "UNREACHABLE"));

        // p1 closed at 10m (up 0, still registered); p2 running throughout; p3's host gone after 10m (series ends,
        // stale after Prometheus' 5 min look-back) and, at 75m, gone for longer than the 1 h absent window
        ObjectNode processors = t.testCase();
        series(processors, "cdc_processor_up{processor=\"p1\"}", "1x9 0x80");
        series(processors, "cdc_processor_up{processor=\"p2\"}", "1x90");
        series(processors, "cdc_processor_up{processor=\"p3\"}", "1x9");
        t.expect(processors, "cdc_processor_down", "9m");
        t.expect(processors, "cdc_processor_down", "12m");                                    // pending (for: 5m)
        t.expect(processors, "cdc_processor_down", "16m", Map.of("processor", "p1"));
        t.expect(processors, "cdc_processor_absent", "9m");
        t.expect(processors, "cdc_processor_absent", "14m");                                  // still in look-back
        t.expect(processors, "cdc_processor_absent", "22m", Map.of("processor", "p3"));
        t.expect(processors, "cdc_processor_absent", "75m");                                  // outside the window

        ObjectNode noCdc = t.testCase();
        series(noCdc, "migration_status{migration_id=\"m1\",status=\"running\"}", "1x20");
        t.expect(noCdc, "cdc_processor_absent", "15m");                                       // no CDC, no alert
        t.expect(noCdc, "cdc_processor_down", "15m");

        t.run();
    }

    /**
     * {@code cdc_high_replication_lag} across a rebalance: a table's lag is high (400 s, threshold 300 s) at member
     * a; a rebalance moves the table to member b, a's series reads NaN (revoked) or disappears (a's host stopped), b
     * has no series until its first lag refresh names the table. Nothing caught up, so the alert must keep firing
     * (and not wait its whole {@code for} again once b reads a number); a table whose lag truly drops must resolve
     * at once; a table nobody reads for longer than the gap window resolves (the limit). One sample a minute.
     */
    @Test
    void replicationLagAlertHoldsThroughARebalanceGapAndResolvesOnRecovery() throws IOException {
        MigmonAlertRules rules = MigmonAlertRules.builder().valueInAnnotations(false).build();
        Tests t = new Tests(rules, "");
        String lag = "cdc_replication_lag_seconds{processor=\"p\",instance=\"%s\",source_table=\"public.%s\","
                + "target_table=\"%s\"}";
        Map<String, String> orders = Map.of("processor", "p", "source_table", "public.orders", "target_table",
                "orders");

        // minutes 0-9 high at a, 10-12 NaN at a (revoked) and no series at b, 13-25 high at b
        ObjectNode nan = t.testCase();
        series(nan, lag.formatted("a", "orders", "orders"), "400x9 NaN NaN NaN");
        series(nan, lag.formatted("b", "orders", "orders"), "_x12 400x12");
        t.expect(nan, "cdc_high_replication_lag", "4m");                      // pending (for: 5m)
        t.expect(nan, "cdc_high_replication_lag", "6m", orders);
        t.expect(nan, "cdc_high_replication_lag", "11m", orders);             // a NaN, b none: still firing
        t.expect(nan, "cdc_high_replication_lag", "14m", orders);             // b reads: no new pending period

        // same with a's series gone (its host stopped: stale) instead of NaN
        ObjectNode absent = t.testCase();
        series(absent, lag.formatted("a", "orders", "orders"), "400x9 stale");
        series(absent, lag.formatted("b", "orders", "orders"), "_x12 400x12");
        t.expect(absent, "cdc_high_replication_lag", "11m", orders);
        t.expect(absent, "cdc_high_replication_lag", "14m", orders);

        // a gap starting while still pending does not restart the for period: fires at 5m although 3-4 are NaN
        ObjectNode pendingGap = t.testCase();
        series(pendingGap, lag.formatted("a", "orders", "orders"), "400x2 NaN NaN 400x10");
        t.expect(pendingGap, "cdc_high_replication_lag", "5m", orders);

        // truly recovered: a reads 10 s from minute 10 on, b NaN (its revoked copy): resolved at once
        ObjectNode recovered = t.testCase();
        series(recovered, lag.formatted("a", "orders", "orders"), "400x9 10x10");
        series(recovered, lag.formatted("b", "orders", "orders"), ("NaN ".repeat(20)).trim());   // promtool has no NaNxN
        t.expect(recovered, "cdc_high_replication_lag", "9m", orders);
        t.expect(recovered, "cdc_high_replication_lag", "10m");
        t.expect(recovered, "cdc_high_replication_lag", "12m");

        // nobody reads a number for longer than the gap window (2 min): resolves (the limit; cdc_stall,
        // cdc_processor_down / _absent and the health check cover a table nobody reads)
        ObjectNode tooLong = t.testCase();
        series(tooLong, lag.formatted("a", "orders", "orders"), "400x9" + " NaN".repeat(10));
        t.expect(tooLong, "cdc_high_replication_lag", "11m", orders);
        t.expect(tooLong, "cdc_high_replication_lag", "12m");

        t.run();
    }

    /**
     * {@code cdc_high_consumer_lag} across a rebalance: partition 0 of a topic is 400 s behind (threshold 300 s) at
     * member a while partition 1 reads 10 s at member b all along; a rebalance moves partition 0 to b, a's series
     * reads NaN (revoked) or disappears, b has no series for it until its first lag refresh. Partition 1's numbers
     * must not hide partition 0's gap (the hold is per partition), a true drop resolves at once, a partition nobody
     * reads for longer than the gap window resolves. One sample a minute.
     */
    @Test
    void consumerLagAlertHoldsAPartitionThroughARebalanceGapAndResolvesOnRecovery() throws IOException {
        MigmonAlertRules rules = MigmonAlertRules.builder().valueInAnnotations(false).build();
        Tests t = new Tests(rules, "");
        String lag = "cdc_consumer_lag_seconds{processor=\"p\",instance=\"%s\",topic=\"db.public.orders\","
                + "partition=\"%d\"}";
        Map<String, String> orders = Map.of("processor", "p", "topic", "db.public.orders");

        // minutes 0-9 p0 high at a, 10-12 NaN at a and no series at b, 13-25 high at b; p1 10 s at b throughout
        ObjectNode nan = t.testCase();
        series(nan, lag.formatted("a", 0), "400x9 NaN NaN NaN");
        series(nan, lag.formatted("b", 0), "_x12 400x12");
        series(nan, lag.formatted("b", 1), "10x25");
        t.expect(nan, "cdc_high_consumer_lag", "4m");                         // pending (for: 5m)
        t.expect(nan, "cdc_high_consumer_lag", "6m", orders);
        t.expect(nan, "cdc_high_consumer_lag", "11m", orders);                // p0: a NaN, b none: still firing
        t.expect(nan, "cdc_high_consumer_lag", "13m", orders);                // b reads: no new pending period

        // same with a's series gone (its host stopped: stale) instead of NaN
        ObjectNode absent = t.testCase();
        series(absent, lag.formatted("a", 0), "400x9 stale");
        series(absent, lag.formatted("b", 0), "_x12 400x12");
        series(absent, lag.formatted("b", 1), "10x25");
        t.expect(absent, "cdc_high_consumer_lag", "11m", orders);
        t.expect(absent, "cdc_high_consumer_lag", "13m", orders);

        // truly recovered: p0 reads 10 s at a from minute 10 on, b's copy NaN: resolved at once
        ObjectNode recovered = t.testCase();
        series(recovered, lag.formatted("a", 0), "400x9 10x10");
        series(recovered, lag.formatted("b", 0), ("NaN ".repeat(20)).trim());
        series(recovered, lag.formatted("b", 1), "10x20");
        t.expect(recovered, "cdc_high_consumer_lag", "9m", orders);
        t.expect(recovered, "cdc_high_consumer_lag", "10m");

        // nobody reads p0 for longer than the gap window (2 min): resolves (cdc_stall and health cover it)
        ObjectNode tooLong = t.testCase();
        series(tooLong, lag.formatted("a", 0), "400x9" + " NaN".repeat(10));
        series(tooLong, lag.formatted("b", 1), "10x20");
        t.expect(tooLong, "cdc_high_consumer_lag", "11m", orders);
        t.expect(tooLong, "cdc_high_consumer_lag", "12m");

        t.run();
    }

    @Test
    void alertsFireWithAPrefixAndTheDefaultAnnotations() throws IOException {
        MigmonAlertRules rules = MigmonAlertRules.builder().metricsOptions(MetricsOptions.builder().prefix("myapp").build())
                .build();
        Tests t = new Tests(rules, "myapp_");
        ObjectNode failed = t.testCase();
        series(failed, "myapp_migration_status{migration_id=\"m1\",status=\"failed\"}", "1x5");
        series(failed, "migration_status{migration_id=\"unprefixed\",status=\"failed\"}", "1x5");
        t.expect(failed, "migration_failed", "2m", Map.of("migration_id", "m1", "status", "failed"));
        t.run();
    }

    private static void series(ObjectNode testCase, String series, String values) {
        ((ArrayNode) testCase.get("input_series")).addObject().put("series", series).put("values", values);
    }

    /** A promtool test file for one rule set. */
    private final class Tests {
        private final MigmonAlertRules rules;
        private final ObjectNode root = JsonNodeFactory.instance.objectNode();

        Tests(MigmonAlertRules rules, String prefix) {
            this.rules = rules;
            root.putArray("rule_files").add("rules.yml");
            root.put("evaluation_interval", "1m");
            root.putArray("tests");
        }

        ObjectNode testCase() {
            ObjectNode c = ((ArrayNode) root.get("tests")).addObject();
            c.put("interval", "1m");
            c.putArray("input_series");
            c.putArray("alert_rule_test");
            return c;
        }

        /** No alert at {@code evalTime} when no label sets are given, else exactly these alerts. */
        @SafeVarargs
        final void expect(ObjectNode testCase, String alert, String evalTime, Map<String, String>... labelSets) {
            AlertRule rule = rules.rule(alert);
            ObjectNode test = ((ArrayNode) testCase.get("alert_rule_test")).addObject();
            test.put("eval_time", evalTime);
            test.put("alertname", alert);
            ArrayNode exp = test.putArray("exp_alerts");
            for (Map<String, String> seriesLabels : labelSets) {
                Map<String, String> labels = new LinkedHashMap<>(seriesLabels);
                labels.putAll(rule.labels());
                ObjectNode e = exp.addObject();
                ObjectNode l = e.putObject("exp_labels");
                labels.forEach(l::put);
                ObjectNode a = e.putObject("exp_annotations");
                rule.annotations().forEach((k, v) -> a.put(k, expand(v, labels)));
            }
        }

        void run() throws IOException {
            Files.writeString(dir.resolve("rules.yml"), rules.toRuleFileYaml());
            Path tests = dir.resolve("tests.yml");
            Files.writeString(tests, YAML.writeValueAsString(root));
            ExternalTools.Result r = ExternalTools.run(dir, List.of(promtool.toString(), "test", "rules",
                    tests.toString()), 60);
            assertThat(r.exitCode()).as("promtool test rules %s:%n%s", tests, r.output()).isZero();
            assertThat(r.output()).contains("SUCCESS");
        }
    }

    private static String expand(String template, Map<String, String> labels) {
        assertThat(template).as("annotations under test may only use $labels").doesNotContain("$value");
        Matcher m = LABEL_REF.matcher(template);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(sb, Matcher.quoteReplacement(labels.getOrDefault(m.group(1), "")));
        }
        m.appendTail(sb);
        return sb.toString();
    }

}
