/** JMH benchmarks; run {@code java -jar migmon-benchmarks/target/benchmarks.jar -prof gc}. */
package io.migmon.benchmarks;
