package io.migmon.spring.boot.internal;

import io.migmon.core.health.HealthCheck;
import java.util.List;

/** Health checks of components that are not HealthCheck beans themselves (CDC processors). */
@FunctionalInterface
public interface HealthSource {
    List<HealthCheck> checks();
}
