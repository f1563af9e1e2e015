package io.migmon.alerting.internal;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;

/**
 * Removes configured secrets from text that may reach logs or exception messages, and renders URLs without their
 * secret parts. Immutable.
 */
public final class Redactor {

    /** What replaces a secret. */
    public static final String MASK = "***";

    private final List<String> secrets;

    private Redactor(List<String> secrets) {
        this.secrets = List.copyOf(secrets);
    }

    /** A redactor for these secrets (nulls and strings shorter than 4 characters are ignored). */
    public static Redactor of(String... secrets) {
        List<String> list = new ArrayList<>();
        for (String s : secrets) {
            if (s != null && s.length() >= 4) {
                list.add(s);
            }
        }
        list.sort((a, b) -> b.length() - a.length());
        return new Redactor(list);
    }

    /** {@code text} with every secret replaced by {@link #MASK}; null stays null. */
    public String redact(String text) {
        if (text == null) {
            return null;
        }
        String out = text;
        for (String s : secrets) {
            out = out.replace(s, MASK);
        }
        return out;
    }

    /** scheme://host:port, plus {@code /***} when the URL has a path, query or user info (which may be secret). */
    public static String url(URI uri) {
        if (uri == null) {
            return "null";
        }
        String base = uri.getScheme() + "://" + uri.getHost() + (uri.getPort() >= 0 ? ":" + uri.getPort() : "");
        boolean more = (uri.getRawPath() != null && !uri.getRawPath().isEmpty() && !"/".equals(uri.getRawPath()))
                || uri.getRawQuery() != null || uri.getRawUserInfo() != null;
        return more ? base + "/" + MASK : base;
    }
}
