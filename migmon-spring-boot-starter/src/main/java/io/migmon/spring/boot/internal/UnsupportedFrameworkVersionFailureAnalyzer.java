package io.migmon.spring.boot.internal;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Turns {@link UnsupportedFrameworkVersionException} into Boot's "APPLICATION FAILED TO START" description and action. */
public final class UnsupportedFrameworkVersionFailureAnalyzer extends AbstractFailureAnalyzer<UnsupportedFrameworkVersionException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, UnsupportedFrameworkVersionException cause) {
        String found = cause.found() == null ? "an older version" : cause.found();
        return new FailureAnalysis(
                "migmon-spring-boot-starter observes " + cause.framework() + " " + cause.minimum() + " or newer; the class path has "
                        + cause.framework() + " " + found + ".",
                "Upgrade " + cause.framework() + " to " + cause.minimum() + " or newer (with Spring Boot's dependency management: set the"
                        + " Maven property " + cause.versionProperty() + "), or switch migmon's " + cause.framework()
                        + " observation off with " + cause.disableProperty() + ".",
                cause);
    }
}
