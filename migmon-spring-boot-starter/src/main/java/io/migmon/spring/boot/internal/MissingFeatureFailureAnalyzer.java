package io.migmon.spring.boot.internal;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Turns {@link MissingFeatureException} into Boot's "APPLICATION FAILED TO START" description and action. */
public final class MissingFeatureFailureAnalyzer extends AbstractFailureAnalyzer<MissingFeatureException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, MissingFeatureException cause) {
        return new FailureAnalysis(cause.property() + " is set, but the class path lacks " + String.join(" and ", cause.missing())
                + ".", cause.action(), cause);
    }
}
