package io.migmon.core.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Finds external binaries (promtool, prometheus, alertmanager, ...) for tests. Where a binary is absent the test is
 * skipped with a visible reason, except under CI ({@code CI=true}), where absence fails the test: .ci/run installs
 * them.
 */
public final class ExternalTools {

    private ExternalTools() {
    }

    public static boolean underCi() {
        return "true".equalsIgnoreCase(System.getenv("CI"));
    }

    /** The binary's path, searching PATH and /usr/bin; empty when absent. */
    public static Optional<Path> find(String binary) {
        List<String> dirs = new ArrayList<>();
        String path = System.getenv("PATH");
        if (path != null) {
            dirs.addAll(List.of(path.split(java.io.File.pathSeparator)));
        }
        dirs.add("/usr/bin");
        dirs.add("/usr/local/bin");
        for (String d : dirs) {
            Path p = Path.of(d, binary);
            if (Files.isExecutable(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    /** The binary, or skip (locally) / fail (under CI) with a reason naming the Debian package. */
    public static Path require(String binary, String debianPackage) {
        Optional<Path> p = find(binary);
        if (p.isEmpty()) {
            String reason = binary + " not found on PATH: install it with "
                    + "'apt-get install -y --no-install-recommends " + debianPackage + "' (.ci/run does)";
            if (underCi()) {
                fail("CI=true and " + reason);
            }
            System.err.println("SKIPPED: " + reason);
            assumeTrue(false, reason);
        }
        return p.get();
    }

    /** Result of a finished process. */
    public record Result(int exitCode, String output) {
    }

    /** Runs a command with a timeout, capturing stdout and stderr together. */
    public static Result run(Path workDir, List<String> command, long timeoutSeconds) {
        try {
            Path out = Files.createTempFile("migmon-tool", ".out");
            Process p = new ProcessBuilder(command).directory(workDir == null ? null : workDir.toFile())
                    .redirectErrorStream(true).redirectOutput(out.toFile()).start();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                fail(command + " did not finish in " + timeoutSeconds + " s");
            }
            String text = Files.readString(out, StandardCharsets.UTF_8);
            Files.deleteIfExists(out);
            return new Result(p.exitValue(), text);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Runs {@code promtool check metrics} on a scrape and asserts it passes (skips/fails as {@link #require}). */
    public static void assertPromtoolAcceptsMetrics(String scrape) {
        Path promtool = require("promtool", "prometheus");
        try {
            Path in = Files.createTempFile("scrape", ".prom");
            Files.writeString(in, scrape, StandardCharsets.UTF_8);
            Result r = run(null, List.of("/bin/sh", "-c", "'" + promtool + "' check metrics < '" + in + "'"), 60);
            Files.deleteIfExists(in);
            assertThat(r.exitCode()).as("promtool check metrics output:%n%s", r.output()).isZero();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
