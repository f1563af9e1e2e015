package io.migmon.spring.boot.internal;

import java.util.List;

/**
 * A {@code migmon.*} property asks for a feature whose classes are not on the class path (for example
 * {@code migmon.cdc.enabled=true} without kafka-clients): start-up fails instead of silently ignoring the property.
 * Described by {@link MissingFeatureFailureAnalyzer}.
 */
public final class MissingFeatureException extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    private final String property;
    private final List<String> missing;
    private final String action;

    /**
     * @param property the property that asks for the feature, as set ({@code migmon.cdc.enabled=true})
     * @param missing  what is missing, one entry per absent class ({@code "kafka-clients
     *                 (org.apache.kafka.clients.consumer.KafkaConsumer)"})
     * @param action   what to do
     */
    public MissingFeatureException(String property, List<String> missing, String action) {
        super(property + " needs " + String.join(" and ", missing) + " on the class path. " + action);
        this.property = property;
        this.missing = List.copyOf(missing);
        this.action = action;
    }

    /** The property that asks for the feature. */
    public String property() {
        return property;
    }

    /** What is missing from the class path. */
    public List<String> missing() {
        return missing;
    }

    /** What to do. */
    public String action() {
        return action;
    }
}
