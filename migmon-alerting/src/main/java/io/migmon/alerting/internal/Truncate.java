package io.migmon.alerting.internal;

import java.nio.charset.StandardCharsets;

/**
 * Cuts text to a receiver's limit on a code-point boundary (never half a surrogate pair, so never half an emoji),
 * appending a marker that says text was cut. Limits in UTF-16 chars (what Slack and PagerDuty count as characters
 * for BMP text) or in UTF-8 bytes (what a body limit counts).
 */
public final class Truncate {

    /** Appended to text that was cut. */
    public static final String MARK = "…[truncated]";

    private Truncate() {
    }

    /** {@code s} if it has at most {@code max} chars, else its longest code-point-safe prefix plus {@link #MARK}, {@code max} chars in all. */
    public static String chars(String s, int max) {
        if (s == null || s.length() <= max) {
            return s;
        }
        if (max <= MARK.length()) {
            return prefix(s, max);
        }
        return prefix(s, max - MARK.length()) + MARK;
    }

    /** The longest prefix of at most {@code max} chars that does not end inside a surrogate pair. */
    public static String prefix(String s, int max) {
        if (s.length() <= max) {
            return s;
        }
        int end = Math.max(0, max);
        if (end > 0 && Character.isHighSurrogate(s.charAt(end - 1)) && Character.isLowSurrogate(s.charAt(end))) {
            end--;
        }
        return s.substring(0, end);
    }

    /** UTF-8 length of {@code s} without encoding it. */
    public static int utf8Length(String s) {
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                n++;
            } else if (c < 0x800) {
                n += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                n += 4;
                i++;
            } else {
                n += 3;
            }
        }
        return n;
    }

    /**
     * {@code s} if its UTF-8 form has at most {@code maxBytes} bytes, else its longest code-point-safe prefix plus
     * {@link #MARK} within {@code maxBytes}.
     */
    public static String utf8(String s, int maxBytes) {
        if (s == null || utf8Length(s) <= maxBytes) {
            return s;
        }
        int budget = maxBytes - MARK.getBytes(StandardCharsets.UTF_8).length;
        if (budget <= 0) {
            return "";
        }
        int n = 0;
        int i = 0;
        while (i < s.length()) {
            int cp = s.codePointAt(i);
            int len = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
            if (n + len > budget) {
                break;
            }
            n += len;
            i += Character.charCount(cp);
        }
        return s.substring(0, i) + MARK;
    }
}
