package io.migmon.verify.cli;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migmon.verify.CheckpointStore;
import io.migmon.verify.RowDifference;
import io.migmon.verify.VerificationException;
import io.migmon.verify.VerificationReport;
import io.migmon.verify.VerificationStatus;
import io.migmon.verify.internal.UrlDataSource;
import io.migmon.verify.jdbc.JdbcTableVerifier;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * {@code migmon verify}: compares a table (or MongoDB collection) of a source and a target database and exits
 * 0 when identical, 1 when they differ, 2 when the comparison cannot be evaluated (bad arguments, connection or
 * schema errors, differences still in flight). Plain Java, no CLI framework: {@link #run(List, PrintStream,
 * PrintStream, Function)} parses the arguments and returns the exit code; the migmon CLI wraps it.
 *
 * <pre>
 * migmon verify --source URL --target URL --table orders [--name NAME] [--target-table name] [--key id[,k2]] [--where SQL]
 *               [--exclude col[,col]] [--max-rows-per-second N] [--chunk-rows N] [--max-reported N]
 *               [--strict-numeric-scale] [--checkpoint-dir DIR] [--report FILE] [--json]
 * </pre>
 *
 * JDBC URLs ({@code jdbc:postgresql://...}) need the driver on the class path; user and password may be given in
 * the URL or through the environment variables {@code MIGMON_SOURCE_USER}, {@code MIGMON_SOURCE_PASSWORD},
 * {@code MIGMON_TARGET_USER}, {@code MIGMON_TARGET_PASSWORD} (so that no secret appears in the process list).
 * MongoDB URLs ({@code mongodb://host/db}) name the database in their path; {@code --table} is the collection and
 * {@code --where} a JSON filter. Passwords are masked in every message.
 */
public final class VerifyCommand {

    /** Exit code: identical. */
    public static final int IDENTICAL = 0;
    /** Exit code: verified differences. */
    public static final int DIFFERENT = 1;
    /** Exit code: cannot evaluate. */
    public static final int CANNOT_EVALUATE = 2;

    static final String USAGE = """
            Usage: migmon verify --source URL --target URL --table NAME [options]
              --source URL              source database: jdbc:postgresql://... or mongodb://host/db
              --target URL              target database (same kind as the source)
              --table NAME              table (schema.table) or collection to compare
              --name NAME               name of this verification in the report and meters (default: --table)
              --target-table NAME       target table or collection when named differently
              --key COL[,COL]           key columns (default: the source's primary key; MongoDB: _id)
              --where CONDITION         SQL condition (MongoDB: JSON filter) applied to both sides
              --exclude COL[,COL]       columns left out of the comparison (JDBC; refused for MongoDB)
              --max-rows-per-second N   throttle (default: unlimited)
              --chunk-rows N            rows per checksummed range (default 20000; MongoDB 5000)
              --max-reported N          differences listed (default 100; all are counted)
              --strict-numeric-scale    1.5 and 1.50 differ (default: numeric compares by value; JDBC)
              --checkpoint-dir DIR      save progress there and resume an interrupted run
              --report FILE             write the JSON report (schema migmon.verify.report/v1) to FILE
              --json                    print the JSON report instead of the summary
            Credentials: in the URL or MIGMON_SOURCE_USER/_PASSWORD, MIGMON_TARGET_USER/_PASSWORD.
            Exit codes: 0 identical, 1 differences, 2 cannot evaluate.
            """;

    private VerifyCommand() {
    }

    /** Runs with the process environment and exits with the exit code. */
    public static void main(String[] args) {
        System.exit(run(Arrays.asList(args), System.out, System.err, System::getenv));
    }

    /**
     * Parses {@code args} (without the leading {@code verify}), runs the verification and prints a summary (or the
     * JSON report) to {@code out}, errors to {@code err}.
     *
     * @param env environment lookup for credentials ({@code System::getenv} in production)
     * @return 0 identical, 1 different, 2 cannot evaluate
     */
    public static int run(List<String> args, PrintStream out, PrintStream err, Function<String, String> env) {
        Options o = new Options();
        try {
            o.parseInto(args);
        } catch (IllegalArgumentException e) {
            err.println("migmon verify: " + e.getMessage());
            err.print(USAGE);
            if (o.reportFile != null) {
                // --report was understood: the file must not keep an earlier run's verdict
                writeErrorReport(o, UrlDataSource.redact(e.getMessage()), err);
            }
            return CANNOT_EVALUATE;
        }
        if (o.help) {
            out.print(USAGE);
            return IDENTICAL;
        }
        MeterRegistry registry = new SimpleMeterRegistry();
        try {
            // MongoCommand is loaded only for mongodb: URLs, so a host without the MongoDB driver can run JDBC verifications
            VerificationReport report = o.mongo() ? MongoCommand.verify(o, registry, env) : jdbc(o, registry, env);
            // the result first: a report file that cannot be written must not lose a (possibly long) run's result
            if (o.json) {
                out.println(report.toJson());
            } else {
                summary(report, out);
            }
            if (o.reportFile != null) {
                try {
                    Files.writeString(o.reportFile, report.toJson(), StandardCharsets.UTF_8);
                } catch (IOException e) {
                    err.println("migmon verify: cannot write the report: " + e.getMessage());
                    // differences found win over "cannot evaluate", as for every migmon command
                    return report.exitCode() == DIFFERENT ? DIFFERENT : CANNOT_EVALUATE;
                }
            }
            return report.exitCode();
        } catch (VerificationException | IllegalArgumentException | IllegalStateException e) {
            return cannotEvaluate(o, UrlDataSource.redact(e.getMessage()), out, err);
        } catch (RuntimeException e) {
            return cannotEvaluate(o, e.getClass().getSimpleName() + ": "
                    + UrlDataSource.redact(String.valueOf(e.getMessage())), out, err);
        }
    }

    /**
     * Exit 2 after the arguments were understood: the reason on {@code err}, and an error report (status
     * {@code error}, the reason) on {@code out} with {@code --json} and in the {@code --report} file, so that the file
     * never keeps an earlier run's verdict.
     */
    private static int cannotEvaluate(Options o, String reason, PrintStream out, PrintStream err) {
        err.println("migmon verify: cannot evaluate: " + reason);
        String json = VerificationReport.errorJson(o.table, o.name == null ? o.table : o.name,
                o.mongo() ? "mongodb" : "postgresql", reason, java.time.Instant.now());
        if (o.json) {
            out.println(json);
        }
        if (o.reportFile != null) {
            writeReport(o.reportFile, json, err);
        }
        return CANNOT_EVALUATE;
    }

    /** The error report for arguments refused after {@code --report} was read (some options may be missing). */
    private static void writeErrorReport(Options o, String reason, PrintStream err) {
        writeReport(o.reportFile, VerificationReport.errorJson(o.table, o.name == null ? o.table : o.name,
                o.source != null && o.mongo() ? "mongodb" : "postgresql", reason, java.time.Instant.now()), err);
    }

    private static void writeReport(Path file, String json, PrintStream err) {
        try {
            Files.writeString(file, json, StandardCharsets.UTF_8);
        } catch (IOException e) {
            err.println("migmon verify: cannot write the report: " + e.getMessage());
        }
    }

    private static VerificationReport jdbc(Options o, MeterRegistry registry, Function<String, String> env) {
        if (!o.source.startsWith("jdbc:") || !o.target.startsWith("jdbc:")) {
            throw new IllegalArgumentException("--source and --target must both be jdbc: or both mongodb: URLs");
        }
        JdbcTableVerifier.Builder b = JdbcTableVerifier.builder(o.table)
                .source(new UrlDataSource(o.source, env.apply("MIGMON_SOURCE_USER"), env.apply("MIGMON_SOURCE_PASSWORD")))
                .target(new UrlDataSource(o.target, env.apply("MIGMON_TARGET_USER"), env.apply("MIGMON_TARGET_PASSWORD")))
                .meterRegistry(registry);
        if (o.name != null) {
            b.name(o.name);
        }
        if (o.targetTable != null) {
            b.targetTable(o.targetTable);
        }
        if (!o.keys.isEmpty()) {
            b.keyColumns(o.keys.toArray(String[]::new));
        }
        if (o.where != null) {
            b.where(o.where);
        }
        if (!o.exclude.isEmpty()) {
            b.excludeColumns(o.exclude.toArray(String[]::new));
        }
        if (o.maxRowsPerSecond != null) {
            b.maxRowsPerSecond(o.maxRowsPerSecond);
        }
        if (o.chunkRows != null) {
            b.chunkRows(o.chunkRows);
        }
        if (o.maxReported != null) {
            b.maxReportedDifferences(o.maxReported);
        }
        if (o.checkpointDir != null) {
            b.checkpoints(CheckpointStore.directory(o.checkpointDir));
        }
        b.strictNumericScale(o.strictNumericScale);
        try (JdbcTableVerifier v = b.build()) {
            return v.verify();
        }
    }

    static boolean isMongo(String url) {
        return url.startsWith("mongodb://") || url.startsWith("mongodb+srv://");
    }

    static void summary(VerificationReport r, PrintStream out) {
        out.printf(Locale.ROOT, "migmon verify: %s %s: %,d rows checked (source %,d, target %,d) in %.1f s, %,d ranges%n",
                r.subject(), r.status().tagValue(), r.rowsChecked(), r.sourceRows(), r.targetRows(),
                r.duration().toMillis() / 1000.0, r.rangesCompared());
        if (r.status() != VerificationStatus.IDENTICAL) {
            out.printf(Locale.ROOT, "  missing %,d, extra %,d, changed %,d%s%n", r.count(io.migmon.verify.DifferenceKind.MISSING),
                    r.count(io.migmon.verify.DifferenceKind.EXTRA), r.count(io.migmon.verify.DifferenceKind.CHANGED),
                    r.unresolved() > 0 ? ", still in flight " + r.unresolved() : "");
            for (RowDifference d : r.differences()) {
                StringBuilder key = new StringBuilder();
                for (Map.Entry<String, String> e : d.key().entrySet()) {
                    key.append(key.length() == 0 ? "" : ", ").append(e.getKey()).append('=').append(e.getValue());
                }
                out.println("  " + d.kind().tagValue() + " " + key + (d.columns().isEmpty() ? ""
                        : " columns " + String.join(", ", d.columns())));
            }
            for (Map<String, String> k : r.unresolvedKeys()) {
                StringBuilder key = new StringBuilder();
                for (Map.Entry<String, String> e : k.entrySet()) {
                    key.append(key.length() == 0 ? "" : ", ").append(e.getKey()).append('=').append(e.getValue());
                }
                out.println("  unresolved " + key);
            }
            if (r.truncated()) {
                out.printf(Locale.ROOT, "  ... and %,d more%n", r.totalDifferences() - r.differences().size());
            }
        }
    }

    /** Parsed arguments. */
    static final class Options {
        String source;
        String target;
        String table;
        String targetTable;
        String name;
        List<String> keys = new ArrayList<>();
        String where;
        List<String> exclude = new ArrayList<>();
        Double maxRowsPerSecond;
        Integer chunkRows;
        Integer maxReported;
        boolean strictNumericScale;
        Path checkpointDir;
        Path reportFile;
        boolean json;
        boolean help;

        boolean mongo() {
            return isMongo(source);
        }

        static Options parse(List<String> args) {
            return new Options().parseInto(args);
        }

        /** Parses into this instance (so that what was read before a refused argument, e.g. --report, is known). */
        Options parseInto(List<String> args) {
            Options o = this;
            for (int i = 0; i < args.size(); i++) {
                String a = args.get(i);
                String name = a;
                String value = null;
                int eq = a.indexOf('=');
                if (a.startsWith("--") && eq > 0) {
                    name = a.substring(0, eq);
                    value = a.substring(eq + 1);
                }
                switch (name) {
                    case "-h", "--help" -> {
                        if (value != null) {
                            // --help=false must not be a green (exit 0) run that never verified anything
                            throw new IllegalArgumentException(name + " takes no value, was '" + value + "'");
                        }
                        o.help = true;
                    }
                    case "--json" -> o.json = o.flag(name, value);
                    case "--strict-numeric-scale" -> o.strictNumericScale = o.flag(name, value);
                    default -> {
                        if (value == null) {
                            if (i + 1 >= args.size() || !name.startsWith("--")) {
                                throw new IllegalArgumentException(name.startsWith("--") ? name + " needs a value"
                                        : "unexpected argument '" + name + "'");
                            }
                            value = args.get(++i);
                        }
                        o.set(name, value);
                    }
                }
            }
            if (!o.help) {
                if (o.source == null || o.target == null || o.table == null) {
                    throw new IllegalArgumentException("--source, --target and --table are required");
                }
            }
            return o;
        }

        /** Options given once at most (--key and --exclude accumulate). */
        private final java.util.Set<String> seen = new java.util.HashSet<>();

        /** A switch: {@code --flag} or {@code --flag=true} turns it on, {@code --flag=false} off; given once. */
        private boolean flag(String name, String value) {
            once(name);
            if (value == null || value.equalsIgnoreCase("true")) {
                return true;
            }
            if (value.equalsIgnoreCase("false")) {
                return false;
            }
            throw new IllegalArgumentException(name + " takes no value or =true / =false, was '" + value + "'");
        }

        private void once(String name) {
            if (!seen.add(name)) {
                throw new IllegalArgumentException(name + " is given more than once (it takes one value)");
            }
        }

        private void set(String name, String value) {
            if (!name.equals("--key") && !name.equals("--exclude")) {
                once(name);
            }
            switch (name) {
                case "--source" -> source = value;
                case "--target" -> target = value;
                case "--table" -> table = value;
                case "--target-table" -> targetTable = value;
                case "--name" -> this.name = value;
                case "--key" -> keys.addAll(split(value));
                case "--where" -> where = value;
                case "--exclude" -> exclude.addAll(split(value));
                case "--max-rows-per-second" -> maxRowsPerSecond = number(name, value);
                case "--chunk-rows" -> chunkRows = integer(name, value);
                case "--max-reported" -> maxReported = integer(name, value);
                case "--checkpoint-dir" -> checkpointDir = Path.of(value);
                case "--report" -> reportFile = Path.of(value);
                default -> throw new IllegalArgumentException("unknown option " + name);
            }
        }

        private static List<String> split(String v) {
            return Arrays.stream(v.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
        }

        private static int integer(String name, String v) {
            try {
                return Integer.parseInt(v);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(name + " must be a whole number, was '" + v + "'");
            }
        }

        private static double number(String name, String v) {
            try {
                return Double.parseDouble(Objects.requireNonNull(v));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(name + " must be a number, was '" + v + "'");
            }
        }
    }
}
