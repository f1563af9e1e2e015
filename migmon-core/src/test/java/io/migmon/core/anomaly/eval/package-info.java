/**
 * Evaluation harness for the anomaly detectors: a simulator of batch-committing migrations with fixed seeds split into a tuning and a held-out set, a scorer
 * (precision, recall, F1, detection delay, false alerts per simulated hour) and the test that pins the figures.
 */
package io.migmon.core.anomaly.eval;
