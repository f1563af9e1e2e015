package io.migmon.examples.docs;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migmon.core.ObservableMigration;
import io.migmon.core.health.Health;
import io.migmon.core.health.HealthStatus;
import io.migmon.core.metrics.MetricsOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Every java block of README.md and docs/getting-started.md is in {@link GettingStartedSnippets} (so the build
 * compiles it), and the snippets run.
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

    @Test
    void everyJavaBlockOfTheReadmeAndGettingStartedIsCompiledHere() throws IOException {
        String source = squeeze(Files.readString(Path.of("src/test/java/io/migmon/examples/docs/GettingStartedSnippets.java")));
        for (Path doc : List.of(ROOT.resolve("README.md"), ROOT.resolve("docs/getting-started.md"))) {
            List<String> blocks = javaBlocks(doc);
            assertThat(blocks).as(doc + " has java blocks").isNotEmpty();
            for (String block : blocks) {
                assertThat(source).as("a java block of %s is not in GettingStartedSnippets (copy it there so that it compiles):%n%s",
                        doc, block).contains(squeeze(block));
            }
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
