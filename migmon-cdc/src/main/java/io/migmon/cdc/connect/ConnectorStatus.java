package io.migmon.cdc.connect;

import java.util.List;

/**
 * {@code GET /connectors/{name}/status}: the connector's state and its tasks' states. Immutable.
 *
 * @param name connector name
 * @param state {@code UNASSIGNED}, {@code RUNNING}, {@code PAUSED}, {@code STOPPED}, {@code FAILED} or {@code RESTARTING}
 * @param workerId the worker running the connector, may be {@code null}
 * @param tasks the tasks, possibly empty
 */
public record ConnectorStatus(String name, String state, String workerId, List<TaskStatus> tasks) {

    public ConnectorStatus {
        tasks = List.copyOf(tasks);
    }

    /** Whether the connector and all its tasks (at least one) are RUNNING. */
    public boolean isRunning() {
        return "RUNNING".equals(state) && !tasks.isEmpty() && tasks.stream().allMatch(t -> "RUNNING".equals(t.state()));
    }

    /**
     * One task.
     *
     * @param id task id
     * @param state task state
     * @param workerId worker, may be {@code null}
     * @param trace the failure's stack trace for FAILED tasks, else {@code null}
     */
    public record TaskStatus(int id, String state, String workerId, String trace) {
    }
}
