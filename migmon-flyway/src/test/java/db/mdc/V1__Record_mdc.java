package db.mdc;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.flywaydb.core.api.migration.BaseJavaMigration;
import org.flywaydb.core.api.migration.Context;
import org.slf4j.MDC;

/** A real Flyway Java migration that records the MDC it runs with (for MigmonFlywayCallbackIT). */
public class V1__Record_mdc extends BaseJavaMigration {

    /** MDC seen by the last run of this migration. */
    public static final Map<String, String> SEEN = new ConcurrentHashMap<>();

    @Override
    public void migrate(Context context) throws Exception {
        SEEN.clear();
        String id = MDC.get("migration_id");
        String version = MDC.get("version");
        SEEN.put("migration_id", id == null ? "<none>" : id);
        SEEN.put("version", version == null ? "<none>" : version);
        try (var s = context.getConnection().createStatement()) {
            s.execute("CREATE TABLE mdc_probe (id INT)");
        }
    }
}
