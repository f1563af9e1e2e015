/** Throughput benchmark of the processor against baselines, tagged {@code benchmark} (excluded by default). */
package io.migmon.cdc.bench;
