package db.clock;

import org.flywaydb.core.api.migration.BaseJavaMigration;
import org.flywaydb.core.api.migration.Context;

/** A real Flyway Java migration that "takes" 2.5 seconds on the test's clock. */
public class V2__Quick_step extends BaseJavaMigration {

    @Override
    public void migrate(Context context) {
        V1__Slow_step.CLOCK.advanceMillis(2500);
    }
}
