package io.migmon.alerting.internal;

import io.migmon.alerting.spi.DeliveryException;
import java.io.IOException;
import java.io.InputStream;
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
 * One JDK {@link HttpClient} per sink and the classification of responses, decided by the status line alone (the
 * response body is never read: it is discarded as soon as the status arrives, so a slow or endless body cannot turn
 * a delivered notification into a timeout and a duplicate): 2xx delivered; 408, 425, 429 and 5xx retryable (with
 * {@code Retry-After} when given, seconds or HTTP date); 3xx permanent (redirects are not followed, so a secret in
 * the URL or headers never goes to another location); other 4xx permanent; I/O errors and timeouts retryable. Exception messages name the sink and the redacted URL, never the body or secrets. The client
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

    /** Message of a 3xx answer: redirects are not followed. */
    static final String REDIRECT = "redirect (3xx) to another location is not followed; configure the final URL";

    /** POSTs {@code body}; returns on 2xx, else throws a classified {@link DeliveryException}. */
    public void post(URI uri, String contentType, byte[] body, Map<String, String> headers) throws DeliveryException {
        HttpRequest.Builder rb = HttpRequest.newBuilder(uri).timeout(timeout).header("Content-Type", contentType)
                .header("User-Agent", "migmon-alerting").POST(HttpRequest.BodyPublishers.ofByteArray(body));
        headers.forEach(rb::header);
        String target = Redactor.url(uri);
        HttpResponse<InputStream> resp;
        try {
            // returns once the status and headers are in; the body is discarded unread below
            resp = client.send(rb.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (HttpTimeoutException e) {
            throw DeliveryException.retryable(sink + ": timed out after " + timeout + " posting to " + target);
        } catch (IOException e) {
            throw DeliveryException.retryable(sink + ": " + e.getClass().getSimpleName() + " posting to " + target
                    + (e.getMessage() == null ? "" : ": " + redactor.redact(e.getMessage())));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw DeliveryException.retryable(sink + ": interrupted posting to " + target);
        }
        discard(resp.body());
        int code = resp.statusCode();
        if (code >= 200 && code < 300) {
            return;
        }
        String msg = sink + ": HTTP " + code + " from " + target;
        if (code >= 300 && code < 400) {
            throw DeliveryException.permanent(msg + ": " + REDIRECT);
        }
        if (code == 429 || code == 503 || code == 408 || code == 425 || code >= 500) {
            Duration ra = retryAfter(resp.headers().firstValue("Retry-After"));
            throwRetry(msg, ra);
            return;
        }
        throw DeliveryException.permanent(msg);
    }

    /** Closes the body stream without reading it (cancels the subscription; never blocks on the peer). */
    private static void discard(InputStream body) {
        try {
            body.close();
        } catch (IOException | RuntimeException ignored) {
            // nothing to release beyond the connection
        }
    }

    private static void throwRetry(String msg, Duration ra) throws DeliveryException {
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
