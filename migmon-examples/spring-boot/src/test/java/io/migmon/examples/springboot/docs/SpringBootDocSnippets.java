package io.migmon.examples.springboot.docs;

import io.migmon.core.ObservableMigration;
import io.migmon.spring.boot.MigmonMigrations;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Service;

/**
 * The java blocks of docs/spring-boot.md, verbatim with their imports (checked by SpringBootDocSnippetsTest), so the
 * build compiles them.
 */
final class SpringBootDocSnippets {

    private SpringBootDocSnippets() {
    }

@Service
static
class OrdersBackfill {
    private final MigmonMigrations migrations;
    private final JdbcTemplate jdbc;

    OrdersBackfill(MigmonMigrations migrations, JdbcTemplate jdbc) {
        this.migrations = migrations;
        this.jdbc = jdbc;
    }

    long run() {
        long expected = jdbc.queryForObject("SELECT count(*) FROM orders", Long.class);
        ObservableMigration backfill = migrations.migration("totals-backfill", expected);
        return backfill.run(ctx -> {                 // no try/catch: the body throws nothing checked
            int n = jdbc.update("INSERT INTO order_totals SELECT id, amount FROM orders ON CONFLICT DO NOTHING");
            ctx.recordRows("order_totals", n);
            return (long) n;
        });
    }
}
}
