package io.migmon.cdc;

import io.migmon.cdc.connect.ConnectorConfig;
import io.migmon.core.health.Health;
import io.migmon.core.health.HealthCheck;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Detects source tables a Debezium PostgreSQL connector is meant to capture but whose changes PostgreSQL never sends:
 * tables that pass the connector's filters as Debezium applies them (both
 * {@code schema.include.list}/{@code schema.exclude.list} and {@code table.include.list}/{@code table.exclude.list}) and are not in its publication ({@code publication.name}, Debezium's default
 * {@code dbz_publication}). With {@code publication.autocreate.mode=filtered} (migmon's seed) a table created after the
 * connector started is such a table: nothing of it reaches Kafka, so the processor cannot see it (finding 16).
 *
 * <p>The audit reads the source's catalog ({@code pg_class}, {@code pg_publication_tables}) each time it runs, over a
 * connection of the given {@link DataSource} (any role that can read the catalog). A publication {@code FOR ALL
 * TABLES} publishes everything. Partitioned tables are judged by the unit PostgreSQL publishes:
 * their leaf partitions, or, when the publication has {@code publish_via_partition_root}, the top-level partitioned
 * table (its partitions' changes go out under its name; the partitions themselves are then not judged). Include/exclude lists are matched
 * as Debezium does: comma-separated regular expressions ({@code \\,} a literal comma), each matching the whole {@code schema.table} (or schema),
 * case-insensitively.
 *
 * <pre>{@code
 * PublicationAudit audit = PublicationAudit.of(sourceDataSource, connectorClient.config("orders"));
 * HealthCheck check = audit.healthCheck(); // DOWN naming the unpublished tables
 * }</pre>
 *
 * Thread-safe. Its health check never throws: a failed audit (source unreachable) is DEGRADED, logged once per
 * failure streak, with the SQLState only.
 */
public final class PublicationAudit {

    private static final Logger LOG = LoggerFactory.getLogger(PublicationAudit.class);
    /** Debezium's default {@code publication.name}. */
    public static final String DEFAULT_PUBLICATION = "dbz_publication";

    /**
     * Ordinary and partitioned tables: schema, name, partitioned (relkind 'p'), a partition (of a partitioned table),
     * published ({@code pg_publication_tables} lists leaf partitions, or with {@code publish_via_partition_root} the
     * partitioned root instead).
     */
    private static final String TABLES = "SELECT n.nspname, c.relname, c.relkind = 'p', c.relispartition,"
            + " EXISTS (SELECT 1 FROM pg_publication_tables pt"
            + " WHERE pt.pubname = ? AND pt.schemaname = n.nspname AND pt.tablename = c.relname)"
            + " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            + " WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')"
            + " AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%' ORDER BY 1, 2";
    /** {@code pubviaroot} exists from PostgreSQL 13 on: read through {@code to_jsonb} so that older servers answer. */
    private static final String PUBLICATION = "SELECT p.puballtables, coalesce((to_jsonb(p) ->> 'pubviaroot')::boolean,"
            + " false) FROM pg_publication p WHERE p.pubname = ?";

    private final DataSource source;
    private final String publication;
    /** The source database (connector's {@code database.dbname}, else read from the DataSource), or null. */
    private final String database;
    private final List<Pattern> tableInclude;
    private final List<Pattern> schemaInclude;
    private final List<Pattern> tableExclude;
    private final List<Pattern> schemaExclude;
    private volatile boolean failing;

    private PublicationAudit(DataSource source, String publication, String tableIncludeList, String schemaIncludeList,
                             String tableExcludeList, String schemaExcludeList, String database) {
        this.source = Objects.requireNonNull(source, "source");
        this.database = database == null || database.isBlank() ? databaseOf(source) : database;
        this.publication = publication == null || publication.isBlank() ? DEFAULT_PUBLICATION : publication;
        this.tableInclude = patterns(tableIncludeList, "table.include.list");
        this.schemaInclude = patterns(schemaIncludeList, "schema.include.list");
        this.tableExclude = patterns(tableExcludeList, "table.exclude.list");
        this.schemaExclude = patterns(schemaExcludeList, "schema.exclude.list");
    }

    /**
     * An audit of the connector configured by {@code config} ({@code publication.name}, {@code table.include.list},
     * {@code table.exclude.list}, {@code schema.include.list}, {@code schema.exclude.list}), e.g. as read back with
     * {@link io.migmon.cdc.connect.KafkaConnectClient#config(String)}.
     *
     * @throws IllegalArgumentException naming the field when an include/exclude list is not a valid regex
     */
    public static PublicationAudit of(DataSource source, ConnectorConfig config) {
        Objects.requireNonNull(config, "config");
        var m = config.asMap();
        return new PublicationAudit(source, m.get("publication.name"), m.get("table.include.list"),
                m.get("schema.include.list"), m.get("table.exclude.list"), m.get("schema.exclude.list"),
                m.get("database.dbname"));
    }

    /**
     * An audit of publication {@code publication} against the tables matching {@code tableIncludeList} (the
     * connector's {@code table.include.list}; null or blank: every table of the source).
     *
     * @throws IllegalArgumentException naming {@code table.include.list} when it is not a valid regex
     */
    public static PublicationAudit of(DataSource source, String publication, String tableIncludeList) {
        return new PublicationAudit(source, publication, tableIncludeList, null, null, null, null);
    }

    /** The publication audited. */
    public String publication() {
        return publication;
    }

    /**
     * The tables ({@code schema.table}) the connector's lists include that are not in its publication, sorted; all of
     * them when the publication does not exist; empty for a publication {@code FOR ALL TABLES}.
     *
     * @throws SQLException when the source's catalog cannot be read
     */
    public List<String> unpublishedTables() throws SQLException {
        return audit().unpublished;
    }

    private Result audit() throws SQLException {
        try (Connection c = source.getConnection()) {
            boolean exists = false;
            boolean viaRoot = false;
            try (PreparedStatement ps = c.prepareStatement(PUBLICATION)) {
                ps.setQueryTimeout(10);
                ps.setString(1, publication);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        if (rs.getBoolean(1)) {
                            return new Result(true, List.of());
                        }
                        exists = true;
                        viaRoot = rs.getBoolean(2);
                    }
                }
            }
            List<String> missing = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(TABLES)) {
                ps.setQueryTimeout(10);
                ps.setString(1, publication);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        String schema = rs.getString(1);
                        String table = schema + '.' + rs.getString(2);
                        boolean partitioned = rs.getBoolean(3);
                        boolean partition = rs.getBoolean(4);
                        // the unit PostgreSQL publishes: with publish_via_partition_root the top-level table (a
                        // partition's changes go out under its root's name), else every table holding rows (leaves)
                        boolean unit = viaRoot ? !partition : !partitioned;
                        if (unit && !rs.getBoolean(5) && included(schema, table)) {
                            missing.add(table);
                        }
                    }
                }
            }
            return new Result(exists, List.copyOf(missing));
        }
    }

    /**
     * Debezium's RelationalTableFilters: a table is captured when it passes the schema filter (in
     * {@code schema.include.list} when set, and not in {@code schema.exclude.list}) and the table filter (in
     * {@code table.include.list} when set, and not in {@code table.exclude.list}); both filters always apply.
     */
    private boolean included(String schema, String table) {
        return (schemaInclude.isEmpty() || matches(schemaInclude, schema)) && !matches(schemaExclude, schema)
                && (tableInclude.isEmpty() || matches(tableInclude, table)) && !matches(tableExclude, table);
    }

    private static boolean matches(List<Pattern> patterns, String name) {
        for (Pattern p : patterns) {
            if (p.matcher(name).matches()) {
                return true;
            }
        }
        return false;
    }

    /**
     * The source database the audit reads: the connector's {@code database.dbname}, else the DataSource's database
     * name ({@code getDatabaseName()}, or the path of its {@code getUrl()}/{@code getJdbcUrl()}); null when unknown.
     */
    public String database() {
        return database;
    }

    /**
     * {@link #healthCheck(String)} named {@code cdc-publication-<database>.<publication>}, or
     * {@code cdc-publication-<publication>} when the database is unknown ({@link #database()}). Two sources that both
     * keep Debezium's default {@code dbz_publication} thus get distinct checks; two audits of the same database and
     * publication (or of unknown databases) still collide: name them with {@link #healthCheck(String)}.
     */
    public HealthCheck healthCheck() {
        return healthCheck("cdc-publication-" + (database == null ? "" : database + ".") + publication);
    }

    /**
     * A health check named {@code name}: DOWN naming the unpublished tables (detail
     * {@code unpublishedTables}) or a missing publication; UP when every included table is published; DEGRADED when
     * the audit itself fails (the source's catalog cannot be read: the reason carries the SQLState, never the URL
     * or credentials). Runs the audit (two catalog queries) at every {@code check()}.
     */
    public HealthCheck healthCheck(String name) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("name must not be blank");
        }
        return HealthCheck.of(name, this::check);
    }

    /** The database name a DataSource is configured with, read without connecting; null when it does not say. */
    static String databaseOf(DataSource ds) {
        try {
            for (String getter : new String[] {"getDatabaseName", "getUrl", "getJdbcUrl"}) {
                java.lang.reflect.Method m;
                try {
                    m = ds.getClass().getMethod(getter);
                } catch (NoSuchMethodException absent) {
                    continue;
                }
                if (m.getReturnType() != String.class) {
                    continue;
                }
                String v = (String) m.invoke(ds);
                String db = getter.equals("getDatabaseName") ? v : databaseOfUrl(v);
                if (db != null && !db.isBlank()) {
                    return db;
                }
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            // a DataSource that does not say: the name stays without the database
        }
        return null;
    }

    /** {@code jdbc:postgresql://host:5432/orders?ssl=true} gives {@code orders}; null when there is no path. */
    static String databaseOfUrl(String url) {
        if (url == null || !url.startsWith("jdbc:")) {
            return null;
        }
        String rest = url;
        int q = rest.indexOf('?');
        if (q >= 0) {
            rest = rest.substring(0, q);
        }
        int hosts = rest.indexOf("//");
        if (hosts < 0) {
            return null;
        }
        int slash = rest.indexOf('/', hosts + 2);
        return slash < 0 || slash == rest.length() - 1 ? null : rest.substring(slash + 1);
    }

    private Health check() {
        Result r;
        try {
            r = audit();
        } catch (SQLException | RuntimeException e) {
            String state = e instanceof SQLException s ? "SQLState " + s.getSQLState() : e.getClass().getSimpleName();
            if (!failing) {
                failing = true;
                LOG.warn("publication audit of {} failed: {}", publication, state);
            }
            return Health.builder().degraded("publication audit of " + publication + " failed: " + state)
                    .detail("publication", publication).build();
        }
        failing = false;
        Health.Builder h = Health.builder().detail("publication", publication).detail("unpublishedTables",
                r.unpublished);
        if (!r.exists) {
            h.down("publication " + publication + " does not exist: no table's changes reach Kafka");
        } else if (!r.unpublished.isEmpty()) {
            h.down("unpublished source table(s) " + String.join(", ", r.unpublished) + ": not in publication "
                    + publication + ", their changes never reach Kafka (ALTER PUBLICATION " + publication
                    + " ADD TABLE ...)");
        }
        return h.build();
    }

    private static List<Pattern> patterns(String list, String field) {
        if (list == null || list.isBlank()) {
            return List.of();
        }
        List<Pattern> out = new ArrayList<>();
        for (String s : split(list)) {
            String t = s.trim();
            if (t.isEmpty()) {
                continue;
            }
            try {
                out.add(Pattern.compile(t, Pattern.CASE_INSENSITIVE));
            } catch (java.util.regex.PatternSyntaxException e) {
                throw new IllegalArgumentException(field + " is not a valid regular expression: " + e.getDescription());
            }
        }
        return List.copyOf(out);
    }

    /**
     * Splits a Debezium list at its commas; {@code \\,} is a literal comma inside one regex (as Debezium's
     * {@code Strings.setOfRegex}), e.g. for a quoted name containing a comma.
     */
    static List<String> split(String list) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        for (int i = 0; i < list.length(); i++) {
            char ch = list.charAt(i);
            if (ch == '\\' && i + 1 < list.length() && list.charAt(i + 1) == ',') {
                cur.append(',');
                i++;
            } else if (ch == ',') {
                out.add(cur.toString());
                cur.setLength(0);
            } else {
                cur.append(ch);
            }
        }
        out.add(cur.toString());
        return out;
    }

    private record Result(boolean exists, List<String> unpublished) {
    }

    @Override
    public String toString() {
        return "PublicationAudit[" + publication + "]";
    }
}
