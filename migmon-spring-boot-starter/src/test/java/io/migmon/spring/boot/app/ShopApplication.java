package io.migmon.spring.boot.app;

import io.migmon.core.ObservableMigration;
import io.migmon.spring.boot.MigmonMigrations;
import java.sql.SQLException;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Service;

/** A plain Boot application: Flyway, Actuator, JDBC and the starter; no migmon code except the backfill service. */
@SpringBootApplication
public class ShopApplication {

    /** A service running backfills through the starter's factory bean: two lines each. */
    @Service
    public static class BackfillService {
        private final MigmonMigrations migrations;
        private final JdbcTemplate jdbc;

        public BackfillService(MigmonMigrations migrations, JdbcTemplate jdbc) {
            this.migrations = migrations;
            this.jdbc = jdbc;
        }

        /** Copies orders into order_totals; the body throws nothing checked, so no catch is needed. */
        public long copyTotals() {
            ObservableMigration backfill = migrations.migration("totals-backfill", 2);
            return backfill.run(ctx -> {
                jdbc.execute("CREATE TABLE IF NOT EXISTS order_totals (id BIGINT PRIMARY KEY, amount NUMERIC(12, 2))");
                int n = jdbc.update("INSERT INTO order_totals SELECT id, amount FROM orders ON CONFLICT DO NOTHING");
                ctx.recordRows("order_totals", n);
                return (long) n;
            });
        }

        /** A backfill that fails with a checked exception (the caller handles SQLException, not Exception). */
        public void failingBackfill() throws SQLException {
            migrations.migration("orders-backfill").run(ctx -> {
                ctx.recordRows("orders", 1);
                throw new SQLException("relation \"orders_archive\" does not exist", "42P01");
            });
        }
    }
}
