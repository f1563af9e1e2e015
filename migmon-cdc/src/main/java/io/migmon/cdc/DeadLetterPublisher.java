package io.migmon.cdc;

import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
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
    private volatile Producer<byte[], byte[]> producer;

    DeadLetterPublisher(ProcessorConfig config, CdcMeters meters) {
        this.config = config;
        this.meters = meters;
    }

    /**
     * Publishes the dead letters in order; returns the number published (counted), which is less than the list's
     * size when the dead-letter topic could not be written: the remaining records must be redelivered.
     */
    int publish(List<DeadLetter> dead) {
        int done = 0;
        for (DeadLetter d : dead) {
            if (config.deadLetterTopic != null) {
                try {
                    RecordHeaders headers = headers(d);
                    producer().send(new ProducerRecord<>(config.deadLetterTopic, null, null,
                            d.record.key(), d.record.value(), headers)).get(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return done;
                } catch (Exception e) {
                    meters.recordFailure(e);
                    return done;
                }
            } else if (warnedOnce.add(d.reason.tagValue())) {
                LOG.warn("dropping a poison event (no dead-letter topic configured): {} reason={} {}",
                        d.record, d.reason.tagValue(), d.error);
            }
            meters.deadLettered(d.record.topic(), d.reason);
            done++;
        }
        return done;
    }

    private static RecordHeaders headers(DeadLetter d) {
        RecordHeaders headers = new RecordHeaders();
        headers.add(DeadLetterReason.HEADER, utf8(d.reason.tagValue()));
        headers.add(DeadLetterReason.ERROR_HEADER, utf8(d.error == null ? "" : d.error));
        headers.add(DeadLetterReason.TOPIC_HEADER, utf8(d.record.topic()));
        headers.add(DeadLetterReason.PARTITION_HEADER, utf8(Integer.toString(d.record.partition())));
        headers.add(DeadLetterReason.OFFSET_HEADER, utf8(Long.toString(d.record.offset())));
        return headers;
    }

    private Producer<byte[], byte[]> producer() {
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

    @Override
    public void close() {
        Producer<byte[], byte[]> p = producer;
        if (p != null) {
            try {
                p.close();
            } catch (RuntimeException ignored) {
                // closing on shutdown
            }
        }
    }
}
