package io.migmon.cli.internal;

import java.net.URI;

/** Keeps secrets out of everything the command line prints. */
public final class Secrets {

    private Secrets() {
    }

    /**
     * The URI without user info (passwords), query or fragment: {@code https://user:pw@host/x?token=y} becomes
     * {@code https://host/x}.
     */
    public static String url(URI uri) {
        if (uri == null) {
            return "(none)";
        }
        StringBuilder sb = new StringBuilder();
        if (uri.getScheme() != null) {
            sb.append(uri.getScheme()).append("://");
        }
        if (uri.getHost() != null) {
            sb.append(uri.getHost());
            if (uri.getPort() >= 0) {
                sb.append(':').append(uri.getPort());
            }
        } else if (uri.getRawAuthority() != null) {
            String a = uri.getRawAuthority();
            int at = a.lastIndexOf('@');
            sb.append(at >= 0 ? a.substring(at + 1) : a);
        }
        if (uri.getRawPath() != null) {
            sb.append(uri.getRawPath());
        }
        return sb.toString();
    }

    /** Replaces every occurrence of each non-blank secret in {@code text} by {@code [hidden]}. */
    public static String redact(String text, String... secrets) {
        if (text == null) {
            return null;
        }
        String out = text;
        for (String s : secrets) {
            if (s != null && s.length() >= 3) {
                out = out.replace(s, "[hidden]");
            }
        }
        return out;
    }
}
