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
        return uri == null ? "(none)" : url(uri.toString());
    }

    /**
     * A URL as typed (perhaps not even a valid URI) without user info, query or fragment. Everything between
     * {@code ://} and the last {@code @} is dropped, so a password with {@code /}, {@code #}, {@code %} or
     * {@code @} never shows; then everything from the first {@code ?} or {@code #}.
     */
    public static String url(String raw) {
        if (raw == null) {
            return "(none)";
        }
        String s = raw.strip();
        int scheme = s.indexOf("://");
        String prefix = "";
        String rest = s;
        if (scheme >= 0) {
            prefix = s.substring(0, scheme + 3);
            rest = s.substring(scheme + 3);
        }
        int at = rest.lastIndexOf('@');
        if (at >= 0) {
            rest = rest.substring(at + 1);
        }
        int cut = rest.length();
        for (char c : new char[] {'?', '#'}) {
            int i = rest.indexOf(c);
            if (i >= 0 && i < cut) {
                cut = i;
            }
        }
        rest = rest.substring(0, cut);
        // a typo'd URL may contain anything: keep it printable
        StringBuilder sb = new StringBuilder(prefix);
        for (int i = 0; i < rest.length() && sb.length() < 200; i++) {
            char c = rest.charAt(i);
            sb.append(c < 0x20 || c == 0x7f ? '?' : c);
        }
        return sb.toString();
    }

    /** A redirect target as it may be printed: no credentials, query or fragment; {@code (none)} when absent. */
    public static String location(String location) {
        return location == null ? "(no Location header)" : url(location);
    }

    private static final java.util.regex.Pattern USER_INFO =
            java.util.regex.Pattern.compile("([A-Za-z][A-Za-z0-9+.-]*://)[^\\s/?#]*@");
    private static final java.util.regex.Pattern KEY_VALUE = java.util.regex.Pattern.compile(
            "(?i)\\b(password|passwd|pwd|secret|token|api[_-]?key|sslpassword)(\\s*[=:]\\s*)(\"?)[^\\s&;,\"']+");

    /**
     * Text (a server's answer, a stack trace line, a connector config) with credentials hidden: user info of URLs
     * ({@code scheme://user:pw@}) and {@code password=...}, {@code token: ...} style pairs.
     */
    public static String redactUrls(String text) {
        if (text == null) {
            return null;
        }
        String out = USER_INFO.matcher(text).replaceAll("$1[hidden]@");
        return KEY_VALUE.matcher(out).replaceAll("$1$2$3[hidden]");
    }

    /**
     * Why a token from the environment variable {@code envName} cannot be sent in an HTTP header (a line break or
     * other control character), naming the variable but never the value; null when it is fine or absent.
     */
    public static String tokenProblem(String token, String envName) {
        if (token == null) {
            return null;
        }
        String t = token.strip();
        for (int i = 0; i < t.length(); i++) {
            char c = t.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                return "the " + envName + " environment variable contains a line break or another control character "
                        + "(not shown): set it to the token alone, e.g. " + envName + "=\"$(cat token.txt | tr -d '\\r\\n')\"";
            }
        }
        return null;
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
