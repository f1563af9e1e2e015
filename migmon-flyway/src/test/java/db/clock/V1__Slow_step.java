package db.clock;

import io.migmon.core.testing.MutableClock;
import org.flywaydb.core.api.migration.BaseJavaMigration;
import org.flywaydb.core.api.migration.Context;

/** A real Flyway Java migration that "takes" 90 seconds on the test's clock. */
public class V1__Slow_step extends BaseJavaMigration {

    /** The clock the test hands to migmon. */
    public static final MutableClock CLOCK = MutableClock.at("2026-01-01T00:00:00Z");

    @Override
    public void migrate(Context context) {
        CLOCK.advanceSeconds(90);
    }
}
