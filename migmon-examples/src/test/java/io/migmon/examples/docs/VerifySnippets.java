package io.migmon.examples.docs;

// The imports a reader needs for the snippets of docs/verify.md.
import io.micrometer.core.instrument.MeterRegistry;
import io.migmon.cdc.CdcEventProcessor;
import io.migmon.verify.VerificationHealthCheck;
import io.migmon.verify.VerificationReport;
import io.migmon.verify.jdbc.JdbcTableVerifier;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.sql.DataSource;

/**
 * The code snippets of docs/verify.md, verbatim (DocsSnippetsTest checks that every java block of that file appears
 * here, whitespace aside), so the build compiles them.
 */
@SuppressWarnings("unused")
final class VerifySnippets {
    /** Compiled, not run (it needs two databases). */
    static void verify(DataSource sourceDataSource, DataSource targetDataSource, CdcEventProcessor processor,
            VerificationHealthCheck validationHealth, MeterRegistry registry) throws Exception {
        try (JdbcTableVerifier verifier = JdbcTableVerifier.builder("public.orders")
                .source(sourceDataSource).target(targetDataSource)
                .appliedWatermark(processor::appliedWatermark)   // optional: the CDC pipeline is still applying changes
                .healthCheck(validationHealth)                   // optional: DOWN while verified differences exist
                .meterRegistry(registry)                         // or .instrumentation(Instrumentation.of(registry))
                .build()) {
            VerificationReport report = verifier.verify();     // blocking
            Files.writeString(Path.of("verify-orders.json"), report.toJson());
            if (report.exitCode() != 0) { /* do not cut over */ }
        }
    }

    private VerifySnippets() {
    }
}
