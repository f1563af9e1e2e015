package io.migmon.cli;

import io.migmon.cli.internal.CheckResult;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import picocli.CommandLine.Option;

/** Output options and the CI integrations (GitHub step summary and annotations). */
final class Output {

    enum Format { table, json }

    @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", defaultValue = "table",
            description = "table (readable) or json (schema migmon.check-result/v1, see docs/cli.md). Default: ${DEFAULT-VALUE}")
    Format format;

    /** Prints the result, appends the step summary, prints annotations. */
    void emit(MigmonCli root, CheckResult result) {
        if (format == Format.json) {
            root.out.println(result.toJsonText());
        } else {
            root.out.print(result.toTable());
        }
        root.out.flush();
        if ("true".equals(root.env.get("GITHUB_ACTIONS"))) {
            // workflow commands are read from stdout; with --output json they go to stderr to keep stdout JSON
            var stream = format == Format.json ? root.err : root.out;
            result.annotations().forEach(stream::println);
            stream.flush();
        }
        String summary = root.env.get("GITHUB_STEP_SUMMARY");
        if (summary != null && !summary.isBlank()) {
            try {
                Files.writeString(Path.of(summary), result.toMarkdown(), StandardCharsets.UTF_8,
                        StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            } catch (IOException e) {
                root.err.println("migmon: warning: cannot append the step summary to GITHUB_STEP_SUMMARY=" + summary
                        + " (" + e.getClass().getSimpleName() + ": " + e.getMessage() + "): check that the file's "
                        + "folder exists and is writable; the verdict is unchanged");
            }
        }
    }
}
