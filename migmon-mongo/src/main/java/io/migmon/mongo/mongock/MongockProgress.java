package io.migmon.mongo.mongock;

/**
 * Progress reporting for Mongock ChangeUnits: {@link MongockMetrics#attachTo} registers it as a Mongock dependency,
 * so an {@code @Execution} method can take it as a parameter (annotate it {@code @NonLockGuarded}) and report
 * documents per batch. Mongock does not tell listeners which ChangeUnit runs, so the ChangeUnit passes its id.
 * Never throws; thread-safe.
 */
public interface MongockProgress {

    /** Records {@code count} documents written to {@code collection} by the ChangeUnit {@code changeId}. */
    void documents(String changeId, String collection, long count);
}
