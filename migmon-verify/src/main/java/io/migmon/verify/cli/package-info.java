/**
 * The {@code migmon verify} command as a plain Java entry point ({@link io.migmon.verify.cli.VerifyCommand}), for
 * the migmon CLI to wrap.
 */
package io.migmon.verify.cli;
