package io.migmon.spring.boot.internal;

import io.migmon.spring.boot.MigmonProperties;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import org.springframework.boot.actuate.endpoint.SanitizableData;
import org.springframework.boot.actuate.endpoint.SanitizingFunction;

/**
 * Masks migmon's secrets in {@code /actuator/env} and {@code /actuator/configprops} even when the application shows
 * values ({@code management.endpoint.env.show-values=always}), where Boot masks only what a SanitizingFunction
 * matches and nothing matches a Slack webhook URL (the URL is the credential). Masked:
 * <ul>
 *   <li>by key: {@code migmon.alerting.slack.webhook-url}, {@code pagerduty.routing-key}, {@code email.password},
 *       {@code webhook.url}, {@code webhook.hmac-secret}, {@code alertmanager.bearer-token},
 *       {@code alertmanager.urls} (basic auth lives in the URL), and Kafka credentials
 *       ({@code *password*}, {@code *secret*}, {@code *jaas*}, {@code *token*}, {@code *key*}) under
 *       {@code migmon.cdc.consumer/producer};</li>
 *   <li>by value: any property anywhere whose value contains one of those configured secrets (so the same URL under
 *       another name, or a relaxed-binding variant such as an environment variable, is masked too), including the
 *       user-info of every configured URL ({@code http://user:password@host});</li>
 *   <li>by value: any {@code migmon.*} property whose value contains a URL with user-info;</li>
 *   <li>by key: any password property of the application ({@code spring.datasource.password},
 *       {@code SPRING_DATASOURCE_PASSWORD}, {@code ...key-store-password}, configprops' leaf {@code password}).</li>
 * </ul>
 */
public final class MigmonSanitizing implements SanitizingFunction {

    private static final Pattern SECRET_KEYS = Pattern.compile(
            "(.*\\.)?(slack\\.webhook-url|pagerduty\\.routing-key|email\\.password|webhook\\.url|webhook\\.hmac-secret"
                    + "|alertmanager\\.bearer-token|alertmanager\\.urls(\\[\\d+\\])?|grafana\\.token|webhook-url|routing-key|hmac-secret"
                    + "|bearer-token)"
                    // any password property (spring.datasource.password, its relaxed forms, configprops' leaf key):
                    // Boot shows every value with show-values=always and has no key-based masking of its own
                    + "|(.*\\.)?([a-z0-9-]*-)?password"
                    + "|migmon\\.cdc\\.(consumer|producer)\\..*(password|secret|jaas|token|key|credential).*");

    /** A URL carrying user-info ({@code scheme://user[:password]@host}): the user-info is a credential. */
    static final Pattern USER_INFO_URL = Pattern.compile("[A-Za-z][A-Za-z0-9+.\\-]*://([^/?#\\s@]+)@");

    private final List<String> secrets;

    public MigmonSanitizing(MigmonProperties properties) {
        this.secrets = secrets(properties);
    }

    @Override
    public SanitizableData apply(SanitizableData data) {
        if (data.getKey() != null && SECRET_KEYS.matcher(normalize(data.getKey())).matches()) {
            return data.withSanitizedValue();
        }
        Object v = data.getValue();
        if (v != null && data.getKey() != null && normalize(data.getKey()).startsWith("migmon.")
                && USER_INFO_URL.matcher(v.toString()).find()) {
            return data.withSanitizedValue();
        }
        if (v != null && !secrets.isEmpty()) {
            String s = v.toString();
            for (String secret : secrets) {
                if (s.contains(secret)) {
                    return data.withSanitizedValue();
                }
            }
        }
        return data;
    }

    /** Relaxed forms (webhookUrl, MIGMON_ALERTING_SLACK_WEBHOOKURL, webhook-url) to one dotted, dashed form. */
    static String normalize(String key) {
        String k = key.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT);
        if (k.indexOf('.') < 0 && k.indexOf('_') >= 0) {
            k = k.replace('_', '.');
        }
        return k.replace("webhookurl", "webhook-url").replace("routingkey", "routing-key")
                .replace("hmacsecret", "hmac-secret").replace("bearertoken", "bearer-token");
    }

    private static List<String> secrets(MigmonProperties p) {
        List<String> out = new ArrayList<>();
        MigmonProperties.Alerting a = p.getAlerting();
        add(out, a.getSlack().getWebhookUrl());
        add(out, a.getPagerduty().getRoutingKey());
        add(out, a.getEmail().getPassword());
        add(out, a.getWebhook().getUrl());
        add(out, a.getWebhook().getHmacSecret());
        add(out, a.getAlertmanager().getBearerToken());
        add(out, p.getGrafana().getToken());
        for (String url : a.getAlertmanager().getUrls()) {
            addUserInfo(out, url);
        }
        addUserInfo(out, a.getSlack().getWebhookUrl());
        addUserInfo(out, a.getWebhook().getUrl());
        addUserInfo(out, a.getPagerduty().getUrl());
        addUserInfo(out, p.getGrafana().getUrl());
        for (Map<String, String> m : List.of(p.getCdc().getConsumer(), p.getCdc().getProducer())) {
            m.forEach((k, v) -> {
                if (SECRET_KEYS.matcher("migmon.cdc.consumer." + normalize(k)).matches()) {
                    add(out, v);
                }
            });
        }
        return List.copyOf(out);
    }

    /** A URL with user-info: the URL itself and its user-info (so either, under any name, is masked by value). */
    private static void addUserInfo(List<String> out, String url) {
        if (url == null) {
            return;
        }
        java.util.regex.Matcher m = USER_INFO_URL.matcher(url);
        if (m.find()) {
            add(out, url.trim());
            add(out, m.group(1));
            int colon = m.group(1).indexOf(':');
            if (colon >= 0) {
                add(out, m.group(1).substring(colon + 1)); // the password alone
            }
        }
    }

    private static void add(List<String> out, String secret) {
        if (secret != null && secret.length() >= 8) { // short values would mask unrelated properties
            out.add(secret);
        }
    }
}
