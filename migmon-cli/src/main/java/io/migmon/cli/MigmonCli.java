package io.migmon.cli;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code migmon}: the operators' front door to migmon. Exit codes of every command:
 * <ul>
 *   <li>{@code 0}: every check passed / the operation succeeded;</li>
 *   <li>{@code 1}: a threshold was breached, the migration failed, or the operation was refused;</li>
 *   <li>{@code 2}: cannot evaluate: Prometheus (or Grafana, Kafka Connect) unreachable, no series for the migration
 *       id, stale data, unreadable report, bad arguments. A gate never passes on missing data.</li>
 * </ul>
 * Subcommands: {@code check}, {@code watch}, {@code start}, {@code dashboards}, {@code rules}, {@code connector},
 * {@code verify} (migmon-verify's data verification, arguments passed through) and {@code generate-completion} (a
 * bash/zsh completion script: {@code source <(migmon generate-completion)}).
 */
@Command(name = "migmon", mixinStandardHelpOptions = true, versionProvider = MigmonCli.Version.class,
        description = "Observability for database migrations: gate a pipeline on a migration's health, watch it "
                + "live, and manage dashboards, alert rules and connectors.",
        subcommands = {CheckCommand.class, WatchCommand.class, StartCommand.class, DashboardsCommand.class,
                RulesCommand.class, ConnectorCommand.class, VerifyCli.class, CommandLine.HelpCommand.class,
                picocli.AutoComplete.GenerateCompletion.class},
        footer = {"", "Exit codes: 0 passed, 1 breached or failed, 2 cannot evaluate (unreachable, no data, bad "
                + "arguments).", "Docs: docs/cli.md"})
public final class MigmonCli {

    /** Every check passed. */
    public static final int EXIT_OK = 0;
    /** A threshold was breached, the migration failed, or an operation was refused. */
    public static final int EXIT_BREACH = 1;
    /** Cannot evaluate (unreachable, no data, stale data, bad arguments). */
    public static final int EXIT_CANNOT_EVALUATE = 2;

    final PrintWriter out;
    final PrintWriter err;
    final Map<String, String> env;
    /** The streams under {@link #out} and {@link #err}, for commands that print to a PrintStream (verify). */
    final PrintStream rawOut;
    final PrintStream rawErr;

    MigmonCli(PrintWriter out, PrintWriter err, Map<String, String> env) {
        this(out, err, env, new PrintStream(new java.io.ByteArrayOutputStream()),
                new PrintStream(new java.io.ByteArrayOutputStream()));
    }

    MigmonCli(PrintWriter out, PrintWriter err, Map<String, String> env, PrintStream rawOut, PrintStream rawErr) {
        this.out = out;
        this.err = err;
        this.env = Map.copyOf(env);
        this.rawOut = rawOut;
        this.rawErr = rawErr;
    }

    /** Runs the command line with the process's streams and environment, and exits with its code. */
    public static void main(String[] args) {
        System.exit(execute(args, System.out, System.err, System.getenv()));
    }

    /**
     * Runs one command line.
     *
     * @param env the environment ({@code GITHUB_STEP_SUMMARY}, {@code GITHUB_ACTIONS}, {@code GRAFANA_TOKEN},
     *            {@code PROMETHEUS_TOKEN}, {@code CI})
     * @return the exit code: 0, 1 or 2
     */
    public static int execute(String[] args, PrintStream out, PrintStream err, Map<String, String> env) {
        PrintWriter o = new PrintWriter(new java.io.OutputStreamWriter(out, StandardCharsets.UTF_8), true);
        PrintWriter e = new PrintWriter(new java.io.OutputStreamWriter(err, StandardCharsets.UTF_8), true);
        try {
            return commandLine(new MigmonCli(o, e, env, out, err)).execute(args);
        } finally {
            o.flush();
            e.flush();
        }
    }

    /** The picocli command line with its streams, exit code mapping and error handling. */
    static CommandLine commandLine(MigmonCli root) {
        CommandLine cli = new CommandLine(root);
        cli.setOut(root.out);
        cli.setErr(root.err);
        cli.setCaseInsensitiveEnumValuesAllowed(true);
        cli.setExitCodeExceptionMapper(t -> EXIT_CANNOT_EVALUATE);
        cli.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            if (ex instanceof UsageException || ex instanceof io.migmon.cli.internal.CannotEvaluateException) {
                commandLine.getErr().println("migmon " + commandLine.getCommandName() + ": " + ex.getMessage());
                return EXIT_CANNOT_EVALUATE;
            }
            commandLine.getErr().println("migmon " + commandLine.getCommandName() + ": unexpected error: " + ex);
            return EXIT_CANNOT_EVALUATE;
        });
        // picocli's usage-error exit code is 2 already, which is "cannot evaluate: bad arguments"
        return cli;
    }

    /** The version from the jar manifest. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = MigmonCli.class.getPackage().getImplementationVersion();
            return new String[] {"migmon " + (v == null ? "(development build)" : v)};
        }
    }
}
