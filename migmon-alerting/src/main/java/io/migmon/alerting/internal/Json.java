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

    /** An alert as in Alertmanager's webhook body. */
    public static ObjectNode alert(Alert a) {
        ObjectNode n = object();
        n.put("status", a.resolved() ? "resolved" : "firing");
        n.set("labels", map(a.identityLabels()));
        ObjectNode ann = map(a.annotations());
        ann.put("summary", a.summary());
        n.set("annotations", ann);
        n.put("startsAt", a.startsAt() == null ? null : a.startsAt().toString());
        n.put("endsAt", a.endsAt() == null ? null : a.endsAt().toString());
        n.put("fingerprint", a.fingerprint());
        return n;
    }

    /** A notification shaped like Alertmanager's webhook payload (version "4"-like, plus {@code repeat}). */
    public static ObjectNode notification(Notification notif) {
        ObjectNode n = object();
        n.put("version", "1");
        n.put("status", notif.status());
        n.put("receiver", notif.sink());
        n.put("groupKey", notif.groupKey());
        n.set("groupLabels", map(notif.groupLabels()));
        n.set("commonLabels", map(notif.commonLabels()));
        n.put("repeat", notif.repeat());
        n.put("at", notif.at().toString());
        ArrayNode arr = n.putArray("alerts");
        notif.alerts().forEach(a -> arr.add(alert(a)));
        return n;
    }
}
