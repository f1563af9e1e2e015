package io.migmon.spring.boot.internal;

import io.micrometer.core.instrument.MeterRegistry;
import io.migmon.alerting.AlertDispatcher;
import io.migmon.alerting.AnomalyAlerts;
import io.migmon.alerting.Hysteresis;
import io.migmon.alerting.Matcher;
import io.migmon.alerting.Route;
import io.migmon.alerting.sink.AlertmanagerSink;
import io.migmon.alerting.sink.EmailSink;
import io.migmon.alerting.sink.PagerDutySink;
import io.migmon.alerting.sink.SlackSink;
import io.migmon.alerting.sink.WebhookSink;
import io.migmon.alerting.spi.AlertSink;
import io.migmon.core.Severity;
import io.migmon.core.metrics.MetricsOptions;
import io.migmon.spring.boot.MigmonProperties;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** Builds the {@link AlertDispatcher} from {@code migmon.alerting.*}; invalid values fail naming the property. */
public final class AlertingFactory {

    private static final String P = "migmon.alerting.";

    private AlertingFactory() {
    }

    /** Whether any sink is configured by properties. */
    public static boolean anySinkConfigured(MigmonProperties.Alerting a) {
        return set(a.getSlack().getWebhookUrl()) || set(a.getPagerduty().getRoutingKey()) || set(a.getWebhook().getUrl())
                || !a.getAlertmanager().getUrls().isEmpty() || (set(a.getEmail().getHost()) && !a.getEmail().getTo().isEmpty());
    }

    /**
     * The sinks configured by properties (their names: slack, pagerduty, email, webhook, alertmanager). Every
     * builder call is guarded by the key of the property it takes, so an error names that key in full
     * ({@code migmon.alerting.webhook.hmac-secret: ...}); the builders keep secret values out of their messages.
     */
    public static List<AlertSink> sinks(MigmonProperties.Alerting a) {
        List<AlertSink> sinks = new ArrayList<>();
        if (set(a.getSlack().getWebhookUrl())) {
            SlackSink.Builder b = guard(P + "slack.webhook-url", () -> SlackSink.builder(a.getSlack().getWebhookUrl()));
            sinks.add(guard(P + "slack.webhook-url", b::build));
        }
        if (set(a.getPagerduty().getRoutingKey())) {
            PagerDutySink.Builder b = guard(P + "pagerduty.routing-key", () -> PagerDutySink.builder(a.getPagerduty().getRoutingKey()));
            if (set(a.getPagerduty().getUrl())) {
                guard(P + "pagerduty.url", () -> b.url(a.getPagerduty().getUrl()));
            }
            sinks.add(guard(P + "pagerduty", b::build));
        }
        MigmonProperties.Alerting.Email e = a.getEmail();
        if (set(e.getHost()) && !e.getTo().isEmpty()) {
            EmailSink.Builder b = guard(e.getPort() < 1 || e.getPort() > 65535 ? P + "email.port" : P + "email.host",
                    () -> EmailSink.builder(e.getHost(), e.getPort()));
            if (e.getFrom() == null) {
                throw new IllegalArgumentException(P + "email.from must be set (the sender address)");
            }
            guard(P + "email.from", () -> b.from(e.getFrom()));
            for (int i = 0; i < e.getTo().size(); i++) {
                String to = e.getTo().get(i);
                guard(P + "email.to[" + i + "]", () -> b.to(to));
            }
            guard(P + "email.security", () -> b.security(EmailSink.Security.valueOf(e.getSecurity().trim().toUpperCase(Locale.ROOT))));
            if (set(e.getUsername())) {
                if (e.getPassword() == null || e.getPassword().isBlank()) {
                    throw new IllegalArgumentException(P + "email.password must be set when " + P + "email.username is set");
                }
                guard(P + "email.username", () -> b.credentials(e.getUsername(), e.getPassword()));
            }
            sinks.add(guard(P + "email", b::build));
        }
        if (set(a.getWebhook().getUrl())) {
            WebhookSink.Builder b = guard(P + "webhook.url", () -> WebhookSink.builder(a.getWebhook().getUrl()));
            if (a.getWebhook().getHmacSecret() != null && !a.getWebhook().getHmacSecret().isEmpty()) {
                guard(P + "webhook.hmac-secret", () -> b.hmacSecret(a.getWebhook().getHmacSecret()));
            }
            sinks.add(guard(P + "webhook", b::build));
        }
        if (!a.getAlertmanager().getUrls().isEmpty()) {
            List<String> urls = a.getAlertmanager().getUrls();
            for (int i = 0; i < urls.size(); i++) {
                String u = urls.get(i);
                guard(P + "alertmanager.urls[" + i + "]", () -> AlertmanagerSink.builder(u));
            }
            AlertmanagerSink.Builder b = guard(P + "alertmanager.urls", () -> AlertmanagerSink.builder(urls.toArray(String[]::new)));
            if (set(a.getAlertmanager().getBearerToken())) {
                guard(P + "alertmanager.bearer-token", () -> b.bearerToken(a.getAlertmanager().getBearerToken()));
            }
            sinks.add(guard(P + "alertmanager", b::build));
        }
        return sinks;
    }

    /** The dispatcher: property sinks plus {@code extraSinks} (AlertSink beans), routes and hysteresis. */
    public static AlertDispatcher dispatcher(MeterRegistry registry, MetricsOptions options, MigmonProperties.Alerting a,
            List<AlertSink> extraSinks) {
        AlertDispatcher.Builder b = AlertDispatcher.builder(registry).metricsOptions(options);
        List<AlertSink> all = new ArrayList<>(sinks(a));
        all.addAll(extraSinks);
        Set<String> names = new LinkedHashSet<>();
        for (AlertSink s : all) {
            names.add(s.name());
            b.sink(s);
        }
        // each value is checked when bound (migmon.alerting.fire-after, for-duration, resolve-after)
        b.hysteresis(guard(P + "fire-after, " + P + "for-duration, " + P + "resolve-after",
                () -> new Hysteresis(a.getFireAfter(), a.getForDuration(), a.getResolveAfter())));
        for (int i = 0; i < a.getRoutes().size(); i++) {
            String field = P + "routes[" + i + "]";
            MigmonProperties.RouteProperties r = a.getRoutes().get(i);
            b.route(route(field, r, names));
        }
        b.defaultRoute(route(P + "default-route", a.getDefaultRoute(), names));
        b.inhibit(AnomalyAlerts.recommendedInhibition());
        return b.build();
    }

    static Route route(String field, MigmonProperties.RouteProperties r, Set<String> sinkNames) {
        List<String> sinks = r.getSinks().isEmpty() ? List.copyOf(sinkNames) : r.getSinks();
        for (String s : sinks) {
            if (!sinkNames.contains(s)) {
                throw new IllegalArgumentException(field + ".sinks: no sink named '" + s + "' (configured: " + sinkNames + ")");
            }
        }
        return guard(field, () -> {
            Route.Builder b = Route.builder(sinks.toArray(String[]::new))
                    .name(r.getName() != null ? r.getName() : field.substring(P.length()))
                    .groupWait(r.getGroupWait()).groupInterval(r.getGroupInterval()).repeatInterval(r.getRepeatInterval())
                    .sendResolved(r.isSendResolved()).continueMatching(r.isContinueMatching());
            if (r.getGroupBy() != null) {
                b.groupBy(r.getGroupBy().toArray(String[]::new));
            }
            Matcher m = r.getMinSeverity() == null ? Matcher.ANY : guard(field + ".min-severity",
                    () -> Matcher.severityAtLeast(Severity.valueOf(r.getMinSeverity().trim().toUpperCase(Locale.ROOT))));
            for (Map.Entry<String, String> l : r.getLabels().entrySet()) {
                Matcher before = m;
                m = guard(field + ".labels." + l.getKey(), () -> before.and(l.getKey(), l.getValue()));
            }
            return b.match(m).build();
        });
    }

    private static boolean set(String s) {
        return s != null && !s.isBlank();
    }

    /** Rethrows a builder's validation error naming the property (the message never carries the secret value). */
    private static <T> T guard(String field, java.util.function.Supplier<T> f) {
        try {
            return f.get();
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new IllegalArgumentException(field + ": " + e.getMessage(), e);
        }
    }
}
