package io.migmon.cli;

import io.migmon.verify.cli.VerifyCommand;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Unmatched;

/**
 * {@code migmon verify}: prove the target equals the source before cutover. The arguments are passed as they are to
 * migmon-verify's {@link VerifyCommand} (its own parser and usage text: {@code migmon verify --help}); its exit code
 * is returned.
 */
@Command(name = "verify", sortOptions = false,
        description = {"Prove the target equals the source before cutover: compare a table (jdbc:postgresql://...) or a "
                + "MongoDB collection (mongodb://host/db) with range checksums pushed down into the database, and list "
                + "the differing rows. Options: migmon verify --help.",
                "Exit codes: 0 identical, 1 differences, 2 cannot evaluate (bad arguments, connection or schema "
                        + "errors, differences still in flight)."})
final class VerifyCli implements Callable<Integer> {

    @ParentCommand
    MigmonCli root;

    @Unmatched
    List<String> args = new ArrayList<>();

    @Override
    public Integer call() {
        root.out.flush();
        root.err.flush();
        try {
            return VerifyCommand.run(List.copyOf(args), root.rawOut, root.rawErr, root.env::get);
        } finally {
            root.rawOut.flush();
            root.rawErr.flush();
        }
    }
}
