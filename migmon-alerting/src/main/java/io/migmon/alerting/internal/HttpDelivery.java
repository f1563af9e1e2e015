package io.migmon.alerting.internal;

import io.migmon.alerting.spi.DeliveryException;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One JDK {@link HttpClient} per sink and the classification of responses: 2xx delivered; 408, 425, 429 and 5xx
 * retryable (with {@code Retry-After} when given, seconds or HTTP date); other 4xx permanent; I/O errors and
 * timeouts retryable. Exception messages name the sink and the redacted URL, never the body or secrets. The client
 * runs on daemon threads {@code migmon-alert-http-<sink>-N}, shut down by {@link #close()}.
 */
public final class HttpDelivery implements AutoCloseable {

    private final String sink;
    private final Duration timeout;
    private final Redactor redactor;
    private final ExecutorService executor;
    private final HttpClient client;

    public HttpDelivery(String sink, Duration timeout, Redactor redactor) {
        this.sink = sink;
        this.timeout = timeout;
        this.redactor = redactor;
        AtomicInteger n = new AtomicInteger();
        this.executor = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "migmon-alert-http-" + sink + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.client = HttpClient.newBuilder().executor(executor).connectTimeout(timeout)
                .followRedirects(HttpClient.Redirect.NEVER).build();
    }

    /** POSTs {@code body}; returns the response body on 2xx, else throws a classified {@link DeliveryException}. */
    public String post(URI uri, String contentType, byte[] body, Map<String, String> headers) throws DeliveryException {
        HttpRequest.Builder rb = HttpRequest.newBuilder(uri).timeout(timeout).header("Content-Type", contentType)
                .header("User-Agent", "migmon-alerting").POST(HttpRequest.BodyPublishers.ofByteArray(body));
        headers.forEach(rb::header);
        String target = Redactor.url(uri);
        HttpResponse<String> resp;
        try {
            resp = client.send(rb.build(), HttpResponse.BodyHandlers.ofString());
        } catch (HttpTimeoutException e) {
            throw DeliveryException.retryable(sink + ": timed out after " + timeout + " posting to " + target);
        } catch (IOException e) {
            throw DeliveryException.retryable(sink + ": " + e.getClass().getSimpleName() + " posting to " + target
                    + (e.getMessage() == null ? "" : ": " + redactor.redact(e.getMessage())));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw DeliveryException.retryable(sink + ": interrupted posting to " + target);
        }
        int code = resp.statusCode();
        if (code >= 200 && code < 300) {
            return resp.body();
        }
        String msg = sink + ": HTTP " + code + " from " + target;
        if (code == 429 || code == 503 || code == 408 || code == 425 || code >= 500) {
            Duration ra = retryAfter(resp.headers().firstValue("Retry-After"));
            return throwRetry(msg, ra);
        }
        throw DeliveryException.permanent(msg);
    }

    private static String throwRetry(String msg, Duration ra) throws DeliveryException {
        throw ra == null ? DeliveryException.retryable(msg) : DeliveryException.retryAfter(msg + " (Retry-After " + ra.toSeconds() + " s)", ra);
    }

    /** Parses a Retry-After value: delay seconds or an HTTP date; null when absent or unparsable. */
    static Duration retryAfter(Optional<String> header) {
        if (header.isEmpty()) {
            return null;
        }
        String v = header.get().trim();
        try {
            long s = Long.parseLong(v);
            return s < 0 ? null : Duration.ofSeconds(s);
        } catch (NumberFormatException ignored) {
            // an HTTP date
        }
        try {
            Duration d = Duration.between(ZonedDateTime.now(), ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME));
            return d.isNegative() ? Duration.ZERO : d;
        } catch (RuntimeException e) {
            return null;
        }
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
