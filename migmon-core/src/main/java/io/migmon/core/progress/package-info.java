/** Progress counting, EWMA throughput and ETA. */
package io.migmon.core.progress;
