package io.migmon.liquibase;

import liquibase.change.Change;
import liquibase.changelog.ChangeSet;
import liquibase.changelog.DatabaseChangeLog;
import liquibase.changelog.visitor.ChangeExecListener;
import liquibase.database.Database;
import liquibase.exception.PreconditionErrorException;
import liquibase.exception.PreconditionFailedException;
import liquibase.precondition.core.PreconditionContainer;

/** Forwards every event to a delegate; tests override single methods to observe what happens in between. */
class DelegatingListener implements ChangeExecListener {

    private final ChangeExecListener delegate;

    DelegatingListener(ChangeExecListener delegate) {
        this.delegate = delegate;
    }

    @Override
    public void willRun(ChangeSet changeSet, DatabaseChangeLog log, Database db, ChangeSet.RunStatus status) {
        delegate.willRun(changeSet, log, db, status);
    }

    @Override
    public void ran(ChangeSet changeSet, DatabaseChangeLog log, Database db, ChangeSet.ExecType execType) {
        delegate.ran(changeSet, log, db, execType);
    }

    @Override
    public void willRollback(ChangeSet changeSet, DatabaseChangeLog log, Database db) {
        delegate.willRollback(changeSet, log, db);
    }

    @Override
    public void rolledBack(ChangeSet changeSet, DatabaseChangeLog log, Database db) {
        delegate.rolledBack(changeSet, log, db);
    }

    @Override
    public void preconditionFailed(PreconditionFailedException error, PreconditionContainer.FailOption onFail) {
        delegate.preconditionFailed(error, onFail);
    }

    @Override
    public void preconditionErrored(PreconditionErrorException error, PreconditionContainer.ErrorOption onError) {
        delegate.preconditionErrored(error, onError);
    }

    @Override
    public void willRun(Change change, ChangeSet changeSet, DatabaseChangeLog log, Database db) {
        delegate.willRun(change, changeSet, log, db);
    }

    @Override
    public void ran(Change change, ChangeSet changeSet, DatabaseChangeLog log, Database db) {
        delegate.ran(change, changeSet, log, db);
    }

    @Override
    public void runFailed(ChangeSet changeSet, DatabaseChangeLog log, Database db, Exception exception) {
        delegate.runFailed(changeSet, log, db, exception);
    }

    @Override
    public void rollbackFailed(ChangeSet changeSet, DatabaseChangeLog log, Database db, Exception exception) {
        delegate.rollbackFailed(changeSet, log, db, exception);
    }
}
