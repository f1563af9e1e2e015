package io.migmon.cli.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The outcome of {@code migmon check} (or of {@code watch} at the end of a run): every check, the exit code and
 * the renderings (table, JSON schema {@value #SCHEMA}, GitHub step summary, GitHub annotations).
 *
 * @param migrationId  the migration asked about
 * @param source       {@code prometheus} or {@code report}
 * @param sourceName   the Prometheus URL (without credentials) or the report file
 * @param status       the migration's status as found ({@code running}, {@code success}, ...), or null
 * @param window       the look-back window ({@code 15m}), or null for a report
 * @param evaluatedAt  when
 * @param checks       the checks, in evaluation order
 * @param dashboardUrl the Grafana dashboard of the migration, or null
 * @param error        for exit 2 without checks (no series, Prometheus down): the reason, else null
 */
public record CheckResult(String migrationId, String source, String sourceName, String status, String window,
        Instant evaluatedAt, List<Check> checks, String dashboardUrl, String error) {

    /** Value of the JSON output's {@code schema} field. */
    public static final String SCHEMA = "migmon.check-result/v1";
    /** Every check passed (or was informational / a warning). */
    public static final int OK = 0;
    /** A threshold was breached or the migration failed. */
    public static final int BREACH = 1;
    /** Cannot evaluate. */
    public static final int CANNOT_EVALUATE = 2;

    private static final ObjectMapper MAPPER = new ObjectMapper();

    public CheckResult {
        checks = List.copyOf(checks);
    }

    /** A result that could not be evaluated at all. */
    public static CheckResult cannotEvaluate(String migrationId, String source, String sourceName, String window,
            Instant at, String dashboardUrl, String error) {
        return new CheckResult(migrationId, source, sourceName, null, window, at, List.of(), dashboardUrl, error);
    }

    /** 0, 1 or 2: a failed check wins over an unknown one; an unknown one (or an error) never passes. */
    public int exitCode() {
        if (checks.stream().anyMatch(c -> c.verdict() == Verdict.FAIL)) {
            return BREACH;
        }
        if (error != null || checks.isEmpty() || checks.stream().anyMatch(c -> c.verdict() == Verdict.UNKNOWN)) {
            return CANNOT_EVALUATE;
        }
        return OK;
    }

    /** {@code pass}, {@code fail} or {@code error}. */
    public String verdict() {
        return switch (exitCode()) {
            case OK -> "pass";
            case BREACH -> "fail";
            default -> "error";
        };
    }

    /** One sentence: the verdict and the checks that decided it. */
    public String summary() {
        int code = exitCode();
        if (code == OK) {
            long warns = checks.stream().filter(c -> c.verdict() == Verdict.WARN).count();
            return "PASS: migration " + migrationId + " passed " + checks.size() + " checks"
                    + (warns > 0 ? " (" + warns + " warning" + (warns > 1 ? "s" : "") + ")" : "");
        }
        if (code == BREACH) {
            return "FAIL: migration " + migrationId + ": " + checks.stream().filter(c -> c.verdict() == Verdict.FAIL)
                    .map(Check::message).collect(Collectors.joining("; "));
        }
        if (error != null) {
            return "CANNOT EVALUATE: " + error;
        }
        return "CANNOT EVALUATE: migration " + migrationId + ": " + checks.stream()
                .filter(c -> c.verdict() == Verdict.UNKNOWN).map(Check::message).collect(Collectors.joining("; "));
    }

    /** The JSON output (schema {@value #SCHEMA}). */
    public ObjectNode toJson() {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("schema", SCHEMA);
        root.put("migrationId", migrationId);
        root.put("verdict", verdict());
        root.put("exitCode", exitCode());
        root.put("summary", summary());
        root.put("source", source);
        root.put("sourceName", sourceName);
        root.put("status", status);
        root.put("window", window);
        root.put("evaluatedAt", evaluatedAt.toString());
        root.put("dashboardUrl", dashboardUrl);
        root.put("error", error);
        ArrayNode arr = root.putArray("checks");
        for (Check c : checks) {
            ObjectNode n = arr.addObject();
            n.put("name", c.name());
            n.put("verdict", c.verdict().json());
            if (Double.isFinite(c.value())) {
                n.put("value", c.value());
            } else {
                n.putNull("value");
            }
            n.put("display", c.display());
            if (Double.isFinite(c.limit())) {
                n.put("threshold", c.limit());
            } else {
                n.putNull("threshold");
            }
            n.put("unit", c.unit());
            n.put("message", c.message());
        }
        return root;
    }

    /** The JSON output, pretty-printed. */
    public String toJsonText() {
        try {
            return MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(toJson());
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The readable table. */
    public String toTable() {
        StringBuilder sb = new StringBuilder();
        sb.append("migmon check: migration ").append(migrationId).append(" (")
                .append(source.equals("report") ? "report " : "Prometheus ").append(sourceName)
                .append(window == null ? "" : ", window " + window).append(")\n");
        if (!checks.isEmpty()) {
            int w0 = Math.max(5, checks.stream().mapToInt(c -> c.name().length()).max().orElse(5));
            int w1 = Math.max(5, checks.stream().mapToInt(c -> c.display().length()).max().orElse(5));
            int w2 = Math.max(9, checks.stream().mapToInt(c -> c.threshold().length()).max().orElse(9));
            String fmt = "  %-" + w0 + "s  %-" + w1 + "s  %-" + w2 + "s  %-7s  %s%n";
            sb.append(String.format(fmt, "CHECK", "VALUE", "THRESHOLD", "VERDICT", "DETAIL"));
            for (Check c : checks) {
                sb.append(String.format(fmt, c.name(), c.display(), c.threshold(), c.verdict().name(), c.message()));
            }
        }
        sb.append(summary()).append(" (exit ").append(exitCode()).append(")\n");
        if (dashboardUrl != null) {
            sb.append("dashboard: ").append(dashboardUrl).append('\n');
        }
        return sb.toString();
    }

    /** The Markdown appended to {@code $GITHUB_STEP_SUMMARY}. */
    public String toMarkdown() {
        String icon = switch (exitCode()) {
            case OK -> "✅ PASS";
            case BREACH -> "❌ FAIL";
            default -> "⚠️ CANNOT EVALUATE";
        };
        StringBuilder sb = new StringBuilder();
        sb.append("### migmon check: `").append(md(migrationId)).append("` ").append(icon).append("\n\n");
        sb.append(md(summary())).append("\n\n");
        if (!checks.isEmpty()) {
            sb.append("| Check | Value | Threshold | Verdict | Detail |\n|---|---|---|---|---|\n");
            for (Check c : checks) {
                sb.append("| ").append(md(c.name())).append(" | ").append(md(c.display())).append(" | ")
                        .append(md(c.threshold())).append(" | ").append(c.verdict().name()).append(" | ")
                        .append(md(c.message())).append(" |\n");
            }
            sb.append('\n');
        }
        sb.append("Source: ").append(source).append(" `").append(md(sourceName)).append('`')
                .append(window == null ? "" : ", window " + window).append("  \n");
        if (dashboardUrl != null) {
            sb.append("Dashboard: [migmon / Migration overview](").append(dashboardUrl).append(")\n");
        }
        return sb.append('\n').toString();
    }

    /** GitHub Actions workflow commands: {@code ::error} per failed/unknown check, {@code ::warning} per warning. */
    public List<String> annotations() {
        java.util.ArrayList<String> lines = new java.util.ArrayList<>();
        if (error != null) {
            lines.add("::error title=migmon check " + ghProp(migrationId) + "::" + ghData(error));
        }
        for (Check c : checks) {
            String kind = switch (c.verdict()) {
                case FAIL, UNKNOWN -> "error";
                case WARN -> "warning";
                default -> null;
            };
            if (kind != null) {
                lines.add("::" + kind + " title=migmon " + ghProp(c.name()) + " (" + ghProp(migrationId) + ")::"
                        + ghData(c.message()));
            }
        }
        return lines;
    }

    private static String md(String s) {
        return s == null ? "" : s.replace("|", "\\|").replace("\n", " ");
    }

    private static String ghData(String s) {
        return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A");
    }

    private static String ghProp(String s) {
        return ghData(s).replace(":", "%3A").replace(",", "%2C");
    }
}
