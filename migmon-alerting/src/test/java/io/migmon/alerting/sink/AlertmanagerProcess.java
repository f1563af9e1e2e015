package io.migmon.alerting.sink;

import io.migmon.core.testing.Await;
import io.migmon.core.testing.ExternalTools;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Debian's Prometheus Alertmanager 0.25 as a child process for tests: the given configuration, storage under
 * {@code target/}, gossip disabled, an ephemeral port on 127.0.0.1 read from the "Listening on" log line. Skipped
 * locally when the binary is missing, a failure under {@code CI=true} ({@link ExternalTools#require}).
 */
final class AlertmanagerProcess implements AutoCloseable {

    private static final Pattern LISTENING = Pattern.compile("msg=\"Listening on\" address=([0-9.]+:[0-9]+)");

    private final Process process;
    private final Path log;
    final String baseUrl;

    AlertmanagerProcess(String configYaml) throws IOException {
        Path binary = ExternalTools.require("prometheus-alertmanager", "prometheus-alertmanager");
        Path dir = Files.createDirectories(Path.of("target", "alertmanager-it", Long.toString(System.nanoTime())));
        Path config = dir.resolve("alertmanager.yml");
        Files.writeString(config, configYaml, StandardCharsets.UTF_8);
        log = dir.resolve("alertmanager.log");
        process = new ProcessBuilder(List.of(binary.toString(), "--config.file=" + config.toAbsolutePath(),
                "--storage.path=" + dir.resolve("data").toAbsolutePath(), "--web.listen-address=127.0.0.1:0",
                "--cluster.listen-address="))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        String[] url = new String[1];
        Await.until(Duration.ofSeconds(30), () -> {
            Matcher m = LISTENING.matcher(log());
            if (m.find()) {
                url[0] = "http://" + m.group(1);
            }
            return url[0] != null || !process.isAlive();
        }, () -> "Alertmanager listening; log:\n" + log());
        if (url[0] == null) {
            throw new IllegalStateException("Alertmanager exited; log:\n" + log());
        }
        baseUrl = url[0];
    }

    String log() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
