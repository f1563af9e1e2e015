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
 * Every java block of README.md and docs/*.md is verbatim in one of the *Snippets classes of this package or in the
 * module test that runs it (so the build compiles it; docs/spring-boot.md's is in migmon-examples/spring-boot's
 * SpringBootDocSnippets), the README's
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

    private static final String HERE = "migmon-examples/src/test/java/io/migmon/examples/docs/";

    /**
     * Each doc with java blocks and the source files (relative to the repository root) that hold them verbatim: the
     * *Snippets classes here, or a module's own test that runs the example against a real server (one copy of each
     * block, never both). docs/spring-boot.md: SpringBootDocSnippetsTest.
     */
    static final Map<String, List<String>> SNIPPETS = new LinkedHashMap<>();

    static {
        SNIPPETS.put("README.md", List.of(HERE + "GettingStartedSnippets.java"));
        SNIPPETS.put("docs/getting-started.md", List.of(HERE + "GettingStartedSnippets.java"));
        SNIPPETS.put("docs/alerting.md", List.of(HERE + "AlertingSnippets.java"));
        SNIPPETS.put("docs/anomaly-detection.md", List.of(HERE + "AnomalyDetectionSnippets.java"));
        SNIPPETS.put("docs/cdc.md", List.of(HERE + "CdcSnippets.java"));
        SNIPPETS.put("docs/cli.md", List.of(HERE + "CliSnippets.java"));
        SNIPPETS.put("docs/grafana.md", List.of(HERE + "GrafanaSnippets.java",
                "migmon-grafana/src/test/java/io/migmon/grafana/DocsExampleTest.java"));
        SNIPPETS.put("docs/mongo.md", List.of(HERE + "MongoSnippets.java"));
        SNIPPETS.put("docs/sql-frameworks.md", List.of(
                "migmon-flyway/src/test/java/io/migmon/flyway/DocExampleIT.java",
                "migmon-liquibase/src/test/java/io/migmon/liquibase/DocExampleIT.java"));
        SNIPPETS.put("docs/verify.md", List.of(HERE + "VerifySnippets.java"));
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
        for (Map.Entry<String, List<String>> e : SNIPPETS.entrySet()) {
            Path doc = ROOT.resolve(e.getKey());
            Map<String, String> files = new LinkedHashMap<>();
            for (String f : e.getValue()) {
                files.put(f, Files.readString(ROOT.resolve(f)));
            }
            List<String> blocks = javaBlocks(doc);
            assertThat(blocks).as(doc + " has java blocks").isNotEmpty();
            for (String block : blocks) {
                List<String> blockImports = imports(block);
                String code = IMPORT.matcher(block).replaceAll("");
                String holder = files.entrySet().stream()
                        .filter(f -> squeeze(f.getValue()).contains(squeeze(code)))
                        .map(Map.Entry::getKey).findFirst().orElse(null);
                assertThat(holder).as("a java block of %s is in none of %s (copy it into one so that it compiles):%n%s",
                        doc, e.getValue(), block).isNotNull();
                List<String> classImports = imports(files.get(holder));
                assertThat(classImports).as("imports of a java block of %s that %s does not have", doc, holder)
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
