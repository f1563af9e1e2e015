package io.migmon.verify.internal;

import io.migmon.verify.Checkpoint;
import io.migmon.verify.CheckpointStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Loads the checkpoint a verifier may resume: only one written with the verifier's own row-hash version. */
public final class Resume {

    private static final Logger LOG = LoggerFactory.getLogger(Resume.class);

    private Resume() {
    }

    /**
     * The checkpoint of {@code id} in {@code store} when its {@link Checkpoint#hashVersion()} is {@code hashVersion};
     * a checkpoint of another version (0: written before versions were recorded) is cleared and {@code null}
     * returned, with one warning naming the verification, the store and both versions: its ranges were compared
     * with another row hash, so the table starts over rather than mixing two hashes' verdicts in one report.
     *
     * @return the checkpoint to resume, or {@code null} (none, or of another version)
     */
    public static Checkpoint load(CheckpointStore store, String id, int hashVersion, String subject) {
        if (store == null) {
            return null;
        }
        Checkpoint cp = store.load(id).orElse(null);
        if (cp == null || cp.hashVersion() == hashVersion) {
            return cp;
        }
        LOG.warn("not resuming the checkpoint of {} in {}: it was written with row-hash version {} ({}), this "
                + "verifier uses version {}; ranges compared with another row hash are not comparable, so {} is "
                + "verified from the start", id, store, cp.hashVersion(),
                cp.hashVersion() == 0 ? "written before versions were recorded" : "another migmon version",
                hashVersion, subject);
        store.clear(id);
        return null;
    }
}
