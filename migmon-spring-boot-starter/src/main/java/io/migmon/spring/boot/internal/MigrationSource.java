package io.migmon.spring.boot.internal;

import io.migmon.core.ObservableMigration;
import java.util.List;

/** Migrations a framework adapter (Flyway, Liquibase) created, for health. */
@FunctionalInterface
public interface MigrationSource {
    List<ObservableMigration> migrations();
}
