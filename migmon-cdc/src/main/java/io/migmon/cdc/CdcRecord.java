package io.migmon.cdc;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * One raw record as it came from Kafka or from a Debezium embedded engine: where it came from and its key and value
 * bytes (UTF-8 JSON). Immutable; the byte arrays are not copied, so callers must not modify them afterwards.
 *
 * <p>For events that did not travel through Kafka (embedded engine) use {@link #of(String, String, String)}: the
 * partition is 0, the offset {@code -1} and the timestamp unknown ({@code -1}), so the connector-to-broker stage is
 * not recorded.
 */
public final class CdcRecord {

    private final String topic;
    private final int partition;
    private final long offset;
    private final long timestampMs;
    private final byte[] key;
    private final byte[] value;

    private CdcRecord(String topic, int partition, long offset, long timestampMs, byte[] key, byte[] value) {
        this.topic = Objects.requireNonNull(topic, "topic must not be null");
        this.partition = partition;
        this.offset = offset;
        this.timestampMs = timestampMs;
        this.key = key;
        this.value = value;
    }

    /**
     * A record read from Kafka.
     *
     * @param timestampMs the record timestamp (create or log-append time), or {@code -1} if unknown
     * @param key the key bytes, may be {@code null}
     * @param value the value bytes, {@code null} for a tombstone
     */
    public static CdcRecord of(String topic, int partition, long offset, long timestampMs, byte[] key, byte[] value) {
        return new CdcRecord(topic, partition, offset, timestampMs, key, value);
    }

    /**
     * A record from a Debezium embedded engine ({@code DebeziumEngine.create(Json.class)}: destination, key,
     * value).
     *
     * @param destination the topic Debezium would have written to (e.g. {@code server.public.orders})
     * @param key the key JSON, may be {@code null}
     * @param value the value JSON, {@code null} for a tombstone
     */
    public static CdcRecord of(String destination, String key, String value) {
        return new CdcRecord(destination, 0, -1, -1,
                key == null ? null : key.getBytes(StandardCharsets.UTF_8),
                value == null ? null : value.getBytes(StandardCharsets.UTF_8));
    }

    /** The topic (or the embedded engine's destination). */
    public String topic() {
        return topic;
    }

    /** The Kafka partition, 0 for events that did not come from Kafka. */
    public int partition() {
        return partition;
    }

    /** The Kafka offset, {@code -1} for events that did not come from Kafka. */
    public long offset() {
        return offset;
    }

    /** The Kafka record timestamp in epoch milliseconds, {@code -1} if unknown. */
    public long timestampMs() {
        return timestampMs;
    }

    /** The key bytes, may be {@code null}. Not copied: do not modify. */
    public byte[] key() {
        return key;
    }

    /** The value bytes, {@code null} for a tombstone. Not copied: do not modify. */
    public byte[] value() {
        return value;
    }

    @Override
    public String toString() {
        return "CdcRecord{" + topic + "-" + partition + "@" + offset + "}";
    }
}
