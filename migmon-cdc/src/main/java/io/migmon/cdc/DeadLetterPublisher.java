package io.migmon.cdc;

import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.concurrent.ExecutionException;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import io.migmon.cdc.event.DeadLetterReason;

/**
 * Writes poison records to the dead-letter topic (original key and value, reason, error and origin in headers), or,
 * without a topic, counts, logs once and drops them. Owns the dead-letter producer (created on first use).
 */
final class DeadLetterPublisher implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DeadLetterPublisher.class);

    private final ProcessorConfig config;
    private final CdcMeters meters;
    private final Set<String> warnedOnce = ConcurrentHashMap.newKeySet();
    /** Kafka's record overhead and our headers, kept free below max.request.size. */
    private static final int HEADROOM = 16 * 1024;
    /** Bytes of the original value kept in a reference to a record too large to copy. */
    static final int PREFIX_BYTES = 1024;

    private final int maxRequestSize;
    private volatile Producer<byte[], byte[]> producer;
    private volatile String lastError;

    DeadLetterPublisher(ProcessorConfig config, CdcMeters meters) {
        this.config = config;
        this.meters = meters;
        Object max = config.producerProperties == null ? null
                : config.producerProperties.get(ProducerConfig.MAX_REQUEST_SIZE_CONFIG);
        this.maxRequestSize = max == null ? DEFAULT_MAX_REQUEST_SIZE : Integer.parseInt(String.valueOf(max));
    }

    /** Kafka's default {@code max.request.size}, set explicitly on the dead-letter producer unless configured. */
    static final int DEFAULT_MAX_REQUEST_SIZE = 1_048_576;

    /**
     * Publishes the dead letters in order; returns the number published (counted), which is less than the list's
     * size when the dead-letter topic could not be written: the remaining records must be redelivered
     * ({@link #lastError()} says why). A record too large for the dead-letter producer (or the topic) is replaced by a
     * reference (original topic, partition, offset, size, reason, error and a bounded prefix of the value), so a
     * large poison record never blocks its partition.
     */
    int publish(List<DeadLetter> dead) {
        int done = 0;
        for (DeadLetter d : dead) {
            DeadLetterReason counted = d.reason;
            if (config.deadLetterTopic != null) {
                try {
                    if (size(d.record) + HEADROOM > maxRequestSize) {
                        sendReference(d, "value of " + size(d.record) + " bytes exceeds the dead-letter producer's"
                                + " max.request.size " + maxRequestSize);
                        counted = DeadLetterReason.RECORD_TOO_LARGE;
                    } else {
                        try {
                            send(d.record.key(), d.record.value(), headers(d, d.reason, d.error));
                        } catch (ExecutionException e) {
                            if (!(e.getCause() instanceof RecordTooLargeException)) {
                                throw e;
                            }
                            sendReference(d, "the dead-letter topic rejected " + size(d.record) + " bytes: "
                                    + e.getCause().getMessage());
                            counted = DeadLetterReason.RECORD_TOO_LARGE;
                        }
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    lastError = "interrupted";
                    return done;
                } catch (Exception e) {
                    Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
                    lastError = (cause instanceof AuthorizationException
                            ? "dead-letter topic " + config.deadLetterTopic + " not writable (authorization, a permanent"
                              + " error: grant WRITE or change deadLetterTopic): "
                            : cause instanceof ApiException && !(cause instanceof RetriableException)
                            ? "dead-letter topic " + config.deadLetterTopic + " not writable (a permanent error: fix the"
                              + " topic's configuration or change deadLetterTopic): "
                            : "dead-letter topic " + config.deadLetterTopic + " unavailable: ")
                            + cause.getClass().getSimpleName() + ": " + abbreviate(String.valueOf(cause.getMessage()));
                    meters.recordFailure(cause);
                    return done;
                }
            } else if (warnedOnce.add(d.reason.tagValue())) {
                LOG.warn("dropping a poison event (no dead-letter topic configured): {} reason={} {}",
                        d.record, d.reason.tagValue(), d.error);
            }
            meters.deadLettered(d.record.topic(), counted);
            done++;
        }
        lastError = null;
        return done;
    }

    /** Why the last {@link #publish} stopped early, or null. */
    String lastError() {
        return lastError;
    }

    private void send(byte[] key, byte[] value, RecordHeaders headers) throws Exception {
        producer().send(new ProducerRecord<>(config.deadLetterTopic, null, null, key, value, headers))
                .get(30, TimeUnit.SECONDS);
    }

    /** Dead-letters a reference to a record too large to copy: JSON with origin, size, reason and a bounded prefix. */
    private void sendReference(DeadLetter d, String why) throws Exception {
        byte[] value = d.record.value();
        int n = value == null ? 0 : Math.min(PREFIX_BYTES, value.length);
        String prefix = value == null ? "" : Base64.getEncoder().encodeToString(Arrays.copyOf(value, n));
        String error = d.reason.tagValue() + ": " + (d.error == null ? "" : d.error) + "; " + why;
        String json = "{\"topic\":" + quote(d.record.topic()) + ",\"partition\":" + d.record.partition()
                + ",\"offset\":" + d.record.offset() + ",\"size\":" + size(d.record)
                + ",\"reason\":" + quote(DeadLetterReason.RECORD_TOO_LARGE.tagValue())
                + ",\"original_reason\":" + quote(d.reason.tagValue())
                + ",\"error\":" + quote(abbreviate(error))
                + ",\"prefix_base64\":" + quote(prefix) + ",\"prefix_bytes\":" + n + "}";
        byte[] key = d.record.key() != null && d.record.key().length <= PREFIX_BYTES ? d.record.key() : null;
        RecordHeaders headers = headers(d, DeadLetterReason.RECORD_TOO_LARGE, abbreviate(error));
        headers.add(DeadLetterReason.SIZE_HEADER, utf8(Integer.toString(size(d.record))));
        send(key, utf8(json), headers);
    }

    private static int size(CdcRecord r) {
        return (r.key() == null ? 0 : r.key().length) + (r.value() == null ? 0 : r.value().length);
    }

    private static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                b.append('\\').append(c);
            } else if (c < 0x20) {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.append('"').toString();
    }

    private static String abbreviate(String s) {
        return s.length() <= 500 ? s : s.substring(0, 500);
    }

    private static RecordHeaders headers(DeadLetter d, DeadLetterReason reason, String error) {
        RecordHeaders headers = new RecordHeaders();
        headers.add(DeadLetterReason.HEADER, utf8(reason.tagValue()));
        headers.add(DeadLetterReason.ERROR_HEADER, utf8(error == null ? "" : error));
        headers.add(DeadLetterReason.TOPIC_HEADER, utf8(d.record.topic()));
        headers.add(DeadLetterReason.PARTITION_HEADER, utf8(Integer.toString(d.record.partition())));
        headers.add(DeadLetterReason.OFFSET_HEADER, utf8(Long.toString(d.record.offset())));
        return headers;
    }

    private Producer<byte[], byte[]> producer() {
        if (closed) {
            throw new IllegalStateException("processor closing: dead-letter producer closed");
        }
        Producer<byte[], byte[]> p = producer;
        if (p == null) {
            p = config.clients.producer(config.producerProperties);
            producer = p;
        }
        return p;
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private volatile boolean closed;

    /** Closes the producer (callable from any thread: a send blocked waiting for metadata then fails). Idempotent. */
    @Override
    public void close() {
        closed = true;
        Producer<byte[], byte[]> p = producer;
        if (p != null) {
            try {
                p.close(config.closeTimeout); // bounded: unsent dead letters fail, their batch is not committed
            } catch (RuntimeException ignored) {
                // closing on shutdown
            }
        }
    }
}
