/** JMH benchmarks of migmon's hot paths against raw Micrometer baselines. */
package io.migmon.benchmarks;
