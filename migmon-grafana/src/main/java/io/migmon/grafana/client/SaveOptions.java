package io.migmon.grafana.client;

/**
 * How {@link GrafanaClient#save} stores a dashboard: target folder (by uid; {@code null} for the root / General),
 * whether an existing dashboard with the same uid is overwritten, and the version-history message. Immutable.
 *
 * @param folderUid uid of the folder, or {@code null}
 * @param overwrite replace a dashboard with the same uid even if it was changed in Grafana
 * @param message   commit message shown in the dashboard's version history, or {@code null}
 */
public record SaveOptions(String folderUid, boolean overwrite, String message) {

    /**
     * @throws IllegalArgumentException if the folder uid is blank or longer than 40 characters
     */
    public SaveOptions {
        if (folderUid != null && (folderUid.isBlank() || folderUid.length() > 40)) {
            throw new IllegalArgumentException("folderUid must be 1 to 40 characters or null, was '" + folderUid + "'");
        }
    }

    /** Root folder, overwrite, no message. */
    public static SaveOptions defaults() {
        return new SaveOptions(null, true, null);
    }

    /** Into this folder, overwriting, with this message ({@code null} for none). */
    public static SaveOptions intoFolder(String folderUid, String message) {
        return new SaveOptions(folderUid, true, message);
    }

    /** A copy that fails with a version conflict instead of replacing a dashboard changed in Grafana. */
    public SaveOptions withoutOverwrite() {
        return new SaveOptions(folderUid, false, message);
    }
}
