/**
 * The migmon demo: {@link io.migmon.examples.Demo} runs a sample migration through the ObservableMigration API,
 * serves the host registry's Prometheus scrape and prints progress and ETA.
 */
package io.migmon.examples;
