package io.migmon.examples.mongo;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.migmon.mongo.MongoRunReport;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class MongoDemoTest {

    @Test
    void runsTheMigrationsIntoTheHostsRegistryAndCleansUp() throws Exception {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        try (MongoDemo demo = MongoDemo.start(registry, out, 5_000)) {
            MongoRunReport report = demo.awaitReport(Duration.ofMinutes(2));
            assertThat(report.applied()).containsExactly("1", "2", "3");
            assertThat(report.transactional()).isFalse();
            String scrape = registry.scrape();
            assertThat(scrape).contains("mongodb_migration_documents_total{collection=\"products\",version=\"1\"} 5000.0")
                    .contains("mongodb_migration_duration_seconds_count{status=\"success\",version=\"3\"} 1")
                    .contains("mongodb_migration_validations_total{check=\"index:products.category_1\",status=\"passed\",version=\"3\"} 1.0")
                    .contains("migration_progress_ratio{migration_id=\"shop-v1\"} 1.0");
        }
        String printed = bytes.toString(StandardCharsets.UTF_8);
        assertThat(printed).contains("mongo demo: in-process MongoDB").contains("v1 5000/5000 products (100%)")
                .contains("APPLIED").contains("second run skipped [1, 2, 3]");
        assertThat(registry.getMeters()).isEmpty();
    }
}
