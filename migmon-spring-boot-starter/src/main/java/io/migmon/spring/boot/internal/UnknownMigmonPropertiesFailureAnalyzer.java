package io.migmon.spring.boot.internal;

import java.util.List;
import java.util.stream.Collectors;
import org.springframework.boot.context.properties.bind.UnboundConfigurationPropertiesException;
import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.core.Ordered;

/**
 * Unknown {@code migmon.*} keys fail start-up ({@code ignoreUnknownFields = false}); this analyzer describes them by
 * name and origin only. It runs before Boot's own analyzer, which would also print each value: a mistyped
 * {@code migmon.alerting.slak.webhook-url} holds a secret.
 */
public final class UnknownMigmonPropertiesFailureAnalyzer extends AbstractFailureAnalyzer<UnboundConfigurationPropertiesException>
        implements Ordered {

    @Override
    public int getOrder() {
        return Ordered.HIGHEST_PRECEDENCE;
    }

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, UnboundConfigurationPropertiesException cause) {
        List<ConfigurationProperty> unbound = cause.getUnboundProperties().stream()
                .sorted((a, b) -> a.getName().toString().compareTo(b.getName().toString())).toList();
        if (unbound.isEmpty() || !unbound.stream().allMatch(p -> p.getName().toString().startsWith("migmon."))) {
            return null; // not ours: Boot's analyzer
        }
        String names = unbound.stream()
                .map(p -> "  - " + p.getName() + (p.getOrigin() == null ? "" : " (from " + p.getOrigin() + ")"))
                .collect(Collectors.joining("\n"));
        return new FailureAnalysis("Unknown migmon configuration properties (values not shown, they may be secret):\n" + names,
                "Correct or remove them; the supported keys are listed in docs/spring-boot.md and offered by IDE completion"
                        + " (spring-configuration-metadata.json).",
                cause);
    }
}
