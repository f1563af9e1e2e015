package io.migmon.alerting.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.migmon.alerting.Alert;
import io.migmon.alerting.spi.Notification;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** JSON helpers on one shared, thread-safe {@link ObjectMapper}. */
public final class Json {

    public static final ObjectMapper MAPPER = new ObjectMapper();

    private Json() {
    }

    public static ObjectNode object() {
        return MAPPER.createObjectNode();
    }

    public static byte[] bytes(Object node) {
        try {
            return MAPPER.writeValueAsString(node).getBytes(StandardCharsets.UTF_8);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("cannot render JSON", e);
        }
    }

    public static ObjectNode map(Map<String, String> m) {
        ObjectNode n = object();
        m.forEach(n::put);
        return n;
    }

    /** Alertmanager's {@code endsAt} of a firing alert in a webhook body (Go's zero time). */
    public static final String ZERO_TIME = "0001-01-01T00:00:00Z";

    /** An alert as in Alertmanager's webhook body. */
    public static ObjectNode alert(Alert a) {
        return alert(a, Integer.MAX_VALUE);
    }

    /** An alert as in Alertmanager's webhook body, label/annotation values and summary cut to {@code maxValueChars}. */
    public static ObjectNode alert(Alert a, int maxValueChars) {
        ObjectNode n = object();
        n.put("status", a.resolved() ? "resolved" : "firing");
        n.set("labels", capped(a.identityLabels(), maxValueChars));
        ObjectNode ann = capped(a.annotations(), maxValueChars);
        ann.put("summary", Truncate.chars(a.summary(), maxValueChars));
        n.set("annotations", ann);
        n.put("startsAt", a.startsAt() == null ? ZERO_TIME : a.startsAt().toString());
        n.put("endsAt", a.endsAt() == null ? ZERO_TIME : a.endsAt().toString());
        n.put("generatorURL", "");
        n.put("fingerprint", a.fingerprint());
        return n;
    }

    private static ObjectNode capped(Map<String, String> m, int max) {
        ObjectNode n = object();
        m.forEach((k, v) -> n.put(k, Truncate.chars(v, max)));
        return n;
    }

    /** A notification shaped like Alertmanager's webhook payload, version "4", plus {@code repeat} and {@code at}. */
    public static ObjectNode notification(Notification notif) {
        return notification(notif, Integer.MAX_VALUE, Integer.MAX_VALUE);
    }

    /**
     * Version "4" of Alertmanager's webhook payload ({@code version, groupKey, truncatedAlerts, status, receiver,
     * groupLabels, commonLabels, commonAnnotations, externalURL, alerts}; firing alerts have {@code endsAt}
     * {@value #ZERO_TIME} as in Alertmanager) plus migmon's {@code repeat} and {@code at}; at most {@code maxAlerts}
     * alerts ({@code truncatedAlerts} counts the rest), values cut to {@code maxValueChars}.
     */
    public static ObjectNode notification(Notification notif, int maxValueChars, int maxAlerts) {
        ObjectNode n = object();
        n.put("version", "4");
        n.put("groupKey", notif.groupKey());
        int shown = Math.min(maxAlerts, notif.alerts().size());
        n.put("truncatedAlerts", notif.alerts().size() - shown);
        n.put("status", notif.status());
        n.put("receiver", notif.sink());
        n.set("groupLabels", capped(notif.groupLabels(), maxValueChars));
        n.set("commonLabels", capped(notif.commonLabels(), maxValueChars));
        n.set("commonAnnotations", object());
        n.put("externalURL", "");
        n.put("repeat", notif.repeat());
        n.put("at", notif.at().toString());
        ArrayNode arr = n.putArray("alerts");
        notif.alerts().stream().limit(shown).forEach(a -> arr.add(alert(a, maxValueChars)));
        return n;
    }
}
