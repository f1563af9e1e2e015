package io.migmon.examples.docs;

// The imports a reader needs for the snippets of docs/cli.md.
import io.micrometer.core.instrument.MeterRegistry;
import io.migmon.core.ObservableMigration;
import io.migmon.core.report.RunReportWriter;
import java.nio.file.Path;

/**
 * The code snippets of docs/cli.md, verbatim (DocsSnippetsTest checks that every java block of that file appears
 * here, whitespace aside), so the build compiles them.
 */
@SuppressWarnings("unused")
final class CliSnippets {
    static void reportWriter(MeterRegistry registry) {
        ObservableMigration.builder("orders-backfill").meterRegistry(registry)
                .listener(RunReportWriter.toFile(Path.of("build/migmon-report.json")))   // io.migmon.core.report
                .build();
    }

    private CliSnippets() {
    }
}
