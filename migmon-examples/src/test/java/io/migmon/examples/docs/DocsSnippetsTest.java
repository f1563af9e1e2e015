package io.migmon.examples.docs;

import static org.assertj.core.api.Assertions.assertThat;

import com.mongodb.reactivestreams.client.MongoClient;
import com.mongodb.reactivestreams.client.MongoClients;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.migmon.alerting.AlertDispatcher;
import io.migmon.alerting.sink.LogSink;
import io.migmon.core.MigrationRun;
import io.migmon.core.anomaly.AnomalyMonitor;
import io.migmon.core.health.CompositeHealthCheck;
import io.migmon.mongo.MongoRunReport;
import io.migmon.core.ObservableMigration;
import io.migmon.core.health.Health;
import io.migmon.core.health.HealthStatus;
import io.migmon.core.metrics.MetricsOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.stream.Stream;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Every java block of README.md and docs/*.md is verbatim in one of the *Snippets classes of this package (so the
 * build compiles it; docs/spring-boot.md's is in migmon-examples/spring-boot's SpringBootDocSnippets), the README's
 * blocks show their imports, and the snippets that need no server run.
 */
class DocsSnippetsTest {

    private static final Pattern JAVA_BLOCK = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL);
    private static final Path ROOT = Path.of("..");

    static List<String> javaBlocks(Path markdown) throws IOException {
        List<String> out = new ArrayList<>();
        Matcher m = JAVA_BLOCK.matcher(Files.readString(markdown));
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    static String squeeze(String s) {
        return s.replaceAll("\\s+", "");
    }

    /** Each doc with java blocks and the class here that holds them verbatim (docs/spring-boot.md: Boot35Test). */
    static final Map<String, String> SNIPPETS = new LinkedHashMap<>();

    static {
        SNIPPETS.put("README.md", "GettingStartedSnippets");
        SNIPPETS.put("docs/getting-started.md", "GettingStartedSnippets");
        SNIPPETS.put("docs/alerting.md", "AlertingSnippets");
        SNIPPETS.put("docs/anomaly-detection.md", "AnomalyDetectionSnippets");
        SNIPPETS.put("docs/cdc.md", "CdcSnippets");
        SNIPPETS.put("docs/cli.md", "CliSnippets");
        SNIPPETS.put("docs/grafana.md", "GrafanaSnippets");
        SNIPPETS.put("docs/mongo.md", "MongoSnippets");
        SNIPPETS.put("docs/sql-frameworks.md", "SqlFrameworksSnippets");
        SNIPPETS.put("docs/verify.md", "VerifySnippets");
    }

    /**
     * Docs whose java blocks show their imports: a block's {@code import} lines must be imports of its snippet class,
     * and every type the block uses that the class imports must be imported in the block (docs/spring-boot.md is
     * checked the same way by SpringBootDocSnippetsTest).
     */
    static final java.util.Set<String> SHOWS_IMPORTS = java.util.Set.of("README.md");

    private static final Pattern IMPORT = Pattern.compile("(?m)^import\\s+(static\\s+)?([\\w.]+)\\s*;\\s*$");

    static List<String> imports(String source) {
        List<String> out = new ArrayList<>();
        Matcher m = IMPORT.matcher(source);
        while (m.find()) {
            out.add(m.group(2));
        }
        return out;
    }

    @Test
    void everyJavaBlockOfTheDocsIsCompiledHere() throws IOException {
        for (Map.Entry<String, String> e : SNIPPETS.entrySet()) {
            Path doc = ROOT.resolve(e.getKey());
            String file = Files.readString(Path.of("src/test/java/io/migmon/examples/docs/" + e.getValue() + ".java"));
            String source = squeeze(file);
            List<String> classImports = imports(file);
            List<String> blocks = javaBlocks(doc);
            assertThat(blocks).as(doc + " has java blocks").isNotEmpty();
            for (String block : blocks) {
                List<String> blockImports = imports(block);
                String code = IMPORT.matcher(block).replaceAll("");
                assertThat(source).as("a java block of %s is not in %s (copy it there so that it compiles):%n%s",
                        doc, e.getValue(), block).contains(squeeze(code));
                assertThat(classImports).as("imports of a java block of %s that %s does not have", doc, e.getValue())
                        .containsAll(blockImports);
                if (SHOWS_IMPORTS.contains(e.getKey())) {
                    for (String imported : classImports) {
                        String simple = imported.substring(imported.lastIndexOf('.') + 1);
                        if (Pattern.compile("\\b" + Pattern.quote(simple) + "\\b").matcher(code).find()) {
                            assertThat(blockImports).as("a java block of %s uses %s without showing its import:%n%s",
                                    doc, simple, block).contains(imported);
                        }
                    }
                }
            }
        }
    }

    @Test
    void everyDocWithJavaBlocksIsListed() throws IOException {
        List<String> withJava = new ArrayList<>();
        try (Stream<Path> docs = Files.list(ROOT.resolve("docs"))) {
            for (Path doc : (Iterable<Path>) docs.filter(p -> p.toString().endsWith(".md")).sorted()::iterator) {
                if (!javaBlocks(doc).isEmpty() && !doc.getFileName().toString().equals("spring-boot.md")) {
                    withJava.add("docs/" + doc.getFileName());
                }
            }
        }
        assertThat(SNIPPETS.keySet()).as("docs with java blocks and no snippet class").containsAll(withJava);
    }

    /** The snippets that need no server: alerting's fire, anomaly-detection, cli, grafana's custom dashboard, mongo. */
    @Test
    void theOtherSnippetsThatNeedNoServerRun() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        List<String> lines = new CopyOnWriteArrayList<>();
        AlertDispatcher dispatcher = AlertDispatcher.builder(registry).sink(LogSink.to("console", lines::add)).build();
        AlertingSnippets.fire(dispatcher);
        dispatcher.close(Duration.ofSeconds(5));

        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
        try {
            CompositeHealthCheck.Builder health = CompositeHealthCheck.builder("host");
            MigrationRun run = AnomalyDetectionSnippets.monitor(registry, scheduler, health);
            assertThat(health.build().checks()).hasSize(1);
            AnomalyMonitor monitor = AnomalyMonitor.builder("paused").meterRegistry(registry).defaultDetectors().build();
            AnomalyDetectionSnippets.pause(run, monitor);
            monitor.close();
        } finally {
            scheduler.shutdownNow();
        }

        CliSnippets.reportWriter(new SimpleMeterRegistry());

        assertThat(GrafanaSnippets.customDashboard(MetricsOptions.defaults())).contains("orders-migration");

        MongoServer server = new MongoServer(new MemoryBackend());
        server.bind("127.0.0.1", 0);
        try (MongoClient client = MongoClients.create("mongodb://127.0.0.1:" + server.getLocalAddress().getPort())) {
            MongoRunReport report = MongoSnippets.migrate(client, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
            assertThat(report.migrations()).hasSize(2);
        } finally {
            server.shutdownNow();
        }
    }

    @Test
    void theSnippetsRun() throws IOException {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        assertThat(GettingStartedSnippets.readmeQuickStart(registry)).isEqualTo(2_500);

        GettingStartedSnippets.Target target = new GettingStartedSnippets.Target();
        ObservableMigration m = GettingStartedSnippets.wrapAMigration(new GettingStartedSnippets.Source(3_000), target, 3_000);
        assertThat(target.inserted).isEqualTo(3_000);
        Health h = GettingStartedSnippets.progressAndHealth(m, registry);
        assertThat(h.status()).isEqualTo(HealthStatus.UP);
        m.close();

        MetricsOptions options = GettingStartedSnippets.options(new SimpleMeterRegistry(), Clock.systemUTC());
        GettingStartedSnippets.instrumentation(new SimpleMeterRegistry(), options, Clock.systemUTC());
    }
}
