package io.migmon.grafana.client;

import io.migmon.core.MigmonException;

/**
 * A Grafana request failed. {@link #reason()} says why in a form a caller can act on; the message names the
 * dashboard / folder and Grafana's own explanation, never a credential.
 */
public class GrafanaException extends MigmonException {
    private static final long serialVersionUID = 1L;

    /** Why a request failed. */
    public enum Reason {
        /** 401: missing, wrong or expired token / password. */
        UNAUTHORIZED,
        /** 403: the credentials lack a permission (e.g. dashboards:write on the folder). */
        FORBIDDEN,
        /** 412 (legacy) or 409 (resource API): the dashboard was changed in Grafana since it was read. */
        VERSION_CONFLICT,
        /** 404: folder or namespace not found. */
        NOT_FOUND,
        /** 400 / 422: Grafana rejected the request body. */
        BAD_REQUEST,
        /** 5xx. */
        SERVER_ERROR,
        /** Network failure or timeout. */
        IO,
        /** Any other status or an unreadable answer. */
        UNEXPECTED
    }

    private final Reason reason;
    private final int status;

    /** A failure with Grafana's HTTP status (0 when none). */
    public GrafanaException(Reason reason, int status, String message) {
        super(message);
        this.reason = reason;
        this.status = status;
    }

    /** A failure with a cause. */
    public GrafanaException(Reason reason, int status, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
        this.status = status;
    }

    /** Why the request failed. */
    public Reason reason() {
        return reason;
    }

    /** The HTTP status, or 0 when no answer was received. */
    public int status() {
        return status;
    }
}
