package io.migmon.core;

/**
 * Thrown by a migration body to stop on purpose; the run is recorded with status {@code aborted} rather than
 * {@code failed}. {@link InterruptedException} and {@link java.util.concurrent.CancellationException} count as
 * aborts too.
 */
public class MigrationAbortedException extends MigmonException {
    private static final long serialVersionUID = 1L;

    public MigrationAbortedException(String reason) {
        super(reason);
    }
}
