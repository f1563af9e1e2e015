package io.migmon.verify;

import io.migmon.verify.internal.FileCheckpointStore;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Keeps {@link Checkpoint}s so that a long verification interrupted (deploy, crash, Ctrl-C) resumes where it
 * stopped instead of starting over. Implementations must be thread-safe.
 */
public interface CheckpointStore {

    /** The checkpoint saved for this verification id, if any. */
    Optional<Checkpoint> load(String id);

    /** Saves (replaces) the checkpoint of its id. */
    void save(Checkpoint checkpoint);

    /** Forgets the checkpoint of this id (the verification completed). */
    void clear(String id);

    /** A store in memory (resumes within one JVM, e.g. after an exception). */
    static CheckpointStore inMemory() {
        ConcurrentHashMap<String, Checkpoint> map = new ConcurrentHashMap<>();
        return new CheckpointStore() {
            @Override
            public Optional<Checkpoint> load(String id) {
                return Optional.ofNullable(map.get(id));
            }

            @Override
            public void save(Checkpoint checkpoint) {
                map.put(checkpoint.id(), checkpoint);
            }

            @Override
            public void clear(String id) {
                map.remove(id);
            }
        };
    }

    /** A store of JSON files in this directory (created when needed), one per verification id. */
    static CheckpointStore directory(Path dir) {
        return new FileCheckpointStore(dir);
    }
}
