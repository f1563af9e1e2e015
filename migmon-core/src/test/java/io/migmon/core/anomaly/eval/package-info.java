/**
 * Evaluation harness for the anomaly detectors: a labeled synthetic trace generator with fixed seeds, a scorer
 * (precision, recall, F1, detection delay, false alerts per simulated hour) and the test that pins the figures.
 */
package io.migmon.core.anomaly.eval;
