/**
 * The migmon command line ({@code java -jar migmon.jar}, or the {@code migmon} script): {@code check} (the CI gate),
 * {@code watch}, {@code start}, {@code dashboards}, {@code rules} and {@code connector}. Entry point
 * {@link io.migmon.cli.MigmonCli}; exit codes in {@link io.migmon.cli.MigmonCli#execute}. See {@code docs/cli.md}.
 */
package io.migmon.cli;
