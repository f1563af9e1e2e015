package io.migmon.alerting.sink;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.regex.Pattern;

/** Validation shared by the sink builders; messages name the field and never echo a secret value. */
final class Sinks {

    private static final Pattern NAME = Pattern.compile("[a-zA-Z0-9_.-]{1,64}");

    private Sinks() {
    }

    static URI httpUri(String field, String url) {
        if (url == null || url.isBlank()) {
            throw new IllegalArgumentException(field + " must not be blank");
        }
        URI uri;
        try {
            uri = new URI(url.trim());
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(field + " is not a valid URL (value not shown: it may be secret)");
        }
        if (!"https".equalsIgnoreCase(uri.getScheme()) && !"http".equalsIgnoreCase(uri.getScheme())) {
            throw new IllegalArgumentException(field + " must be an http or https URL (value not shown: it may be secret)");
        }
        if (uri.getHost() == null) {
            throw new IllegalArgumentException(field + " has no host (value not shown: it may be secret)");
        }
        return uri;
    }

    static String name(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("sink name '" + name + "' must match " + NAME);
        }
        return name;
    }

    static Duration positive(String field, Duration d) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(field + " must be > 0, was " + d);
        }
        return d;
    }

    static String required(String field, String value) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(field + " must not be blank");
        }
        return value;
    }
}
