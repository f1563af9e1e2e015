package io.migmon.examples.springboot;

import io.migmon.core.ObservableMigration;
import io.migmon.spring.boot.MigmonMigrations;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Service;

/** Copies order totals in batches, observed by migmon: rows, progress, ETA, health, alerts. */
@Service
public class OrdersBackfill {

    static final int BATCH = 500;

    private final MigmonMigrations migrations;
    private final JdbcTemplate jdbc;

    public OrdersBackfill(MigmonMigrations migrations, JdbcTemplate jdbc) {
        this.migrations = migrations;
        this.jdbc = jdbc;
    }

    /** Runs the backfill; returns the rows copied. */
    public long copyOrderTotals() {
        long expected = jdbc.queryForObject("SELECT count(*) FROM orders", Long.class);
        ObservableMigration backfill = migrations.migration("order-totals-backfill", expected);
        return backfill.run(ctx -> {
            long copied = 0;
            long lastId = 0;
            while (true) {
                Long maxId = jdbc.queryForObject("SELECT max(id) FROM (SELECT id FROM orders WHERE id > ? ORDER BY id LIMIT ?) b",
                        Long.class, lastId, BATCH);
                if (maxId == null) {
                    return copied;
                }
                int n = jdbc.update("INSERT INTO order_totals (order_id, total) SELECT id, amount FROM orders"
                        + " WHERE id > ? AND id <= ? ON CONFLICT (order_id) DO NOTHING", lastId, maxId);
                ctx.recordRows("order_totals", n);
                copied += n;
                lastId = maxId;
            }
        });
    }
}
