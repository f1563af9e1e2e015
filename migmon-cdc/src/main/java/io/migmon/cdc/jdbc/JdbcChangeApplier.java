package io.migmon.cdc.jdbc;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.migmon.cdc.event.ChangeEvent;
import io.migmon.cdc.event.Operation;

import io.migmon.cdc.spi.ChangeApplier;
import io.migmon.cdc.spi.RetriableApplyException;
import io.migmon.cdc.spi.SchemaMismatchException;

import javax.sql.DataSource;
import java.sql.BatchUpdateException;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLTransientException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Applies change events to PostgreSQL tables by primary key, idempotently. Consecutive same-kind events of a table
 * become one multi-row statement: inserts, updates and snapshot reads
 * {@code INSERT INTO t (cols) SELECT a0, ... FROM unnest(?::type0[], ...) ON CONFLICT (pk) DO UPDATE SET ...},
 * deletes {@code DELETE FROM t WHERE (pk) IN (SELECT ... FROM unnest(?::type0[], ...))}, truncates
 * {@code DELETE FROM t}. Each row image is read once, streaming, into one array of texts per column, bound as an
 * untyped array literal that PostgreSQL reads with the column type's input function (types without an array type:
 * {@code ?::text[]} and a cast), so the applier needs no type mapping: the target table must have the source's column
 * names. What a schema version's row images need (field order, columns, temporal units) is resolved once per version
 * and table. An upsert statement holds each key once, in the events' order: a key that repeats in a run of upserts
 * starts the next statement (sent in the same JDBC batch), so every image is written in order, as with one statement
 * per event (a rejected image fails the batch and is dead-lettered; a UNIQUE non-key column sees the source's order).
 * Keys that differ at the source but are one key in the target's type ({@code numeric(10,3)} into
 * {@code numeric(10,2)}, text into {@code citext} or {@code char(n)}) cannot be told apart by their text: PostgreSQL
 * rejects the multi-row upsert (SQLState 21000); the batch is then rolled back and applied again with that table's
 * upserts one row per statement, in order (the last image wins, as with one statement per event), logged once per
 * table. A delete's keys are read with the key column's type modifier, as the upsert's assignment stored them
 * ({@code numeric(10,2)}, {@code timestamp(0)} round), except where an explicit cast would cut or pad a value the
 * assignment rejects ({@code char(n)}, {@code bit(n)}, a {@code varchar(n)} value longer than n but for trailing
 * spaces): such a key matches no row rather than another key's. Images with a
 * JSON object or array in a column that is not {@code json}/{@code jsonb} (arrays, composite types) go through
 * {@code json_populate_record} instead, one statement per event in a JDBC batch. Everything runs in one transaction,
 * so a batch is applied entirely or not at all; replaying any suffix of the stream converges to the source's state.
 *
 * <p>Debezium's epoch-based temporal numbers ({@code date} in days, {@code time} and {@code timestamp} in milli-,
 * micro- or nanoseconds) are converted to ISO text before PostgreSQL reads them: with the {@code schema}/{@code payload}
 * wrapper by each field's semantic type ({@code io.debezium.time.*}, Connect {@code Date/Time/Timestamp}); without a
 * schema by the target column's type and precision under the connector's {@link TimePrecisionMode} (read once per
 * table with the other metadata). Only integer values are converted; strings ({@code timestamptz}, {@code timetz},
 * {@code isostring} mode) and all other types go through unchanged.
 *
 * <p>By the target column's type: {@code bytea} strings are decoded per {@link Builder#binaryHandlingMode},
 * integer {@code interval}s are microseconds ({@code interval.handling.mode=numeric}), strings in {@code json}/{@code
 * jsonb} columns are the document's text. Debezium's {@link Builder#unavailableValuePlaceholder placeholder} of an
 * unchanged TOASTed value is never written: the row's other columns are updated, and a row the target lacks fails.
 * A target's {@code GENERATED ALWAYS} identity columns are written with {@code OVERRIDING SYSTEM VALUE}; stored
 * generated columns are never written. Other encodings PostgreSQL cannot read (e.g.
 * {@code decimal.handling.mode=precise} base64 bytes) must be configured on the connector
 * ({@code decimal.handling.mode=string}) or converted by an SMT; such events fail and go to the dead-letter path.
 *
 * <p>Connection loss, serialization failures and deadlocks, lack of resources, operator intervention, a read-only
 * target and a lock wait that timed out ({@code SQLState} classes 08, 40, 53, 57, 25006 and 55P03) are reported as
 * {@link RetriableApplyException} (57014, a canceled statement, for up to {@link Builder#queryCanceledRetry} only),
 * and so is a foreign-key violation (23503) for up to {@link Builder#foreignKeyRetry}
 * (a parent on another partition not applied yet); other errors as {@link SQLException}s whose messages carry the table and SQLState
 * only (PostgreSQL's own messages can quote row values). Holds one connection from the {@link DataSource} between
 * batches; called from one thread at a time.
 */
public final class JdbcChangeApplier implements ChangeApplier {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(JdbcChangeApplier.class);
    private static final ObjectMapper MAPPER = new ObjectMapper();
    /**
     * PostgreSQL array types (pg_type names) whose unchanged TOASTed value Debezium (3.x, pgoutput) cannot replace
     * by its placeholder: it logs "Failed to properly convert data value" and sends {@code null}. Text, varchar,
     * bytea, int and bigint arrays get the placeholder and are not listed.
     */
    static final java.util.Set<String> TOAST_NULL_ARRAY_TYPES = java.util.Set.of("_numeric", "_timestamptz",
            "_timestamp", "_date", "_time", "_timetz", "_float4", "_float8", "_bool", "_int2", "_interval");
    private static final JsonFactory JSON = new JsonFactory();
    /** Rows per multi-row statement (one array parameter per column holds this many values). */
    static final int MAX_ROWS_PER_STATEMENT = 2_000;

    private final DataSource dataSource;
    private final Function<ChangeEvent, String> tableMapping;
    private final Map<String, List<String>> configuredKeys;
    private final TimePrecisionMode timePrecisionMode;
    private final boolean schemaEvolution;
    private final String placeholder;
    private final BinaryMode binaryMode;
    private final Map<String, TableInfo> tables = new ConcurrentHashMap<>();
    private final long foreignKeyRetryNanos;
    private final java.time.Duration foreignKeyRetry;
    private final java.time.Duration queryCanceledRetry;
    /** Per topic-partition: since when its batch fails with 57014 (statement_timeout, a cancel). */
    private final Map<String, ForeignKeyWait> canceledWaits = new HashMap<>();
    /** Per topic-partition: the foreign-key wait of its blocked batch (under the applier's monitor). */
    private final Map<String, ForeignKeyWait> foreignKeyWaits = new HashMap<>();
    /**
     * Within one {@link #apply} call: the old row (as {@code row_to_json}) of a primary-key UPDATE, read just before
     * Debezium's delete of the old key removes it, keyed by the create of the new key that carries unchanged TOASTed
     * placeholders (issue 11, finding 7). Cleared when the call ends.
     */
    private final Map<ChangeEvent, String> movedRows = new java.util.IdentityHashMap<>();
    /** Tables whose kept-as-unchanged null arrays were logged (once per table). */
    private final java.util.Set<String> toastNullLogged = ConcurrentHashMap.newKeySet();
    private Connection connection;

    private JdbcChangeApplier(Builder b) {
        this.dataSource = b.dataSource;
        this.tableMapping = b.tableMapping;
        this.configuredKeys = Map.copyOf(b.primaryKeys);
        this.timePrecisionMode = b.timePrecisionMode;
        this.schemaEvolution = b.schemaEvolution;
        this.placeholder = b.placeholder;
        this.binaryMode = b.binaryMode;
        this.foreignKeyRetry = b.foreignKeyRetry;
        this.queryCanceledRetry = b.queryCanceledRetry;
        this.foreignKeyRetryNanos = b.foreignKeyRetry.toNanos();
    }

    /** A builder. */
    public static Builder builder(DataSource dataSource) {
        return new Builder(dataSource);
    }

    @Override
    public String targetTable(ChangeEvent event) {
        return tableMapping.apply(event);
    }

    @Override
    public synchronized void apply(List<ChangeEvent> batch) throws Exception {
        if (batch.isEmpty()) {
            return;
        }
        currentTable = null;
        movedRows.clear();
        // a partition waiting on a foreign key keeps the prefix of its batch isolated before the wait: not again
        List<ChangeEvent> todo = withoutAppliedPrefix(batch);
        try {
            Connection c = connection();
            if (!todo.isEmpty()) {
                writeAll(c, todo);
                c.commit();
            }
            if (!foreignKeyWaits.isEmpty()) {
                foreignKeyApplied(batch);
            }
            if (!canceledWaits.isEmpty()) {
                ended(canceledWaits, batch);
            }
        } catch (SQLException e) {
            rollbackQuietly();
            String failedTable = currentTable;
            SQLException root = root(e);
            String state = root.getSQLState() == null ? "unknown" : root.getSQLState();
            String message = "apply to " + (failedTable == null ? "target" : failedTable) + " failed: SQLState " + state;
            if (QUERY_CANCELED.equals(state) && partitionKey(batch) != null) {
                // statement_timeout on this batch would fail it forever: bounded, then isolated and dead-lettered
                if (waiting(canceledWaits, batch, queryCanceledRetry.toNanos())) {
                    throw new RetriableApplyException(message + " (statement canceled: statement_timeout or a"
                            + " cancel; retried for up to queryCanceledRetry " + queryCanceledRetry + ")", null);
                }
                throw new SQLException(message + " (statement canceled on every attempt for queryCanceledRetry "
                        + queryCanceledRetry + ": statement_timeout too short for it?)", state);
            }
            if (isTransient(root)) {
                closeConnection();
                throw new RetriableApplyException(message, null);
            }
            if (FOREIGN_KEY_VIOLATION.equals(state) && foreignKeyRetryNanos > 0) {
                String fk = foreignKeyName(root);
                String violation = fk == null ? "foreign key violation" : "foreign key " + fk + " violated";
                // isolate before waiting (issue 11, finding 9): the events before the violating one apply now, so
                // a partition that references this one's rows (a two-way reference) is not held up by the wait
                long appliedThrough = todo.size() > 1 && partitionKey(batch) != null ? applyPrefix(todo) : -1;
                boolean waiting = foreignKeyWaiting(batch);
                if (appliedThrough >= 0) {
                    foreignKeyWaits.get(partitionKey(batch)).appliedThrough = appliedThrough;
                }
                if (waiting) {
                    throw new RetriableApplyException(message + " (" + violation + ": the referenced row may be"
                            + " on another partition not applied yet; retried for up to foreignKeyRetry "
                            + foreignKeyRetry + ")", null);
                }
                message += " (" + violation + ": the referenced row did not reach the target within"
                        + " foreignKeyRetry " + foreignKeyRetry + ")";
            }
            if (failedTable != null) {
                // the target may have been altered since its metadata was read (a column dropped, a type widened):
                // the processor's retry of this batch reads it again instead of failing on stale columns forever
                tables.remove(failedTable);
            }
            throw new SQLException(message, state);
        } catch (RuntimeException | SchemaMismatchException e) {
            rollbackQuietly();
            throw e;
        } finally {
            movedRows.clear();
        }
    }

    /** The table of the group being written, for messages (the applier's monitor). */
    private String currentTable;
    /** Tables whose upserts are written one row per statement in this batch (keys equal only in the target's type). */
    private final java.util.Set<String> rowByRow = new java.util.HashSet<>();
    private final java.util.Set<String> rowByRowLogged = ConcurrentHashMap.newKeySet();

    /**
     * Writes the batch in the current transaction; when a multi-row upsert affected one target row twice (21000: keys
     * distinct at the source, one key in the target's type), rolls back and writes it again with that table's upserts
     * one row per statement, in order, so the last image of the key wins as on the per-event path.
     */
    private void writeAll(Connection c, List<ChangeEvent> batch) throws SQLException, SchemaMismatchException {
        rowByRow.clear();
        try {
            while (true) {
                try {
                    write(c, batch, 0, batch.size());
                    return;
                } catch (SQLException e) {
                    String table = currentTable;
                    if (!CARDINALITY_VIOLATION.equals(root(e).getSQLState()) || table == null || !rowByRow.add(table)) {
                        throw e;
                    }
                    c.rollback();
                    movedRows.clear();
                    if (rowByRowLogged.add(table)) {
                        LOG.warn("{}: two rows of one multi-row upsert are one row in the target (keys distinct at the"
                                + " source, equal in the target's type, e.g. numeric rounding, citext, char(n)):"
                                + " batches that do so are applied again with this table's upserts one row per"
                                + " statement, in order (logged once per table)", table);
                    }
                }
            }
        } finally {
            rowByRow.clear();
        }
    }

    /** Writes {@code batch[from, to)} in the current transaction (not committed); {@code batch} is the context. */
    private void write(Connection c, List<ChangeEvent> batch, int from, int to)
            throws SQLException, SchemaMismatchException {
        int i = from;
        while (i < to) {
            ChangeEvent first = batch.get(i);
            String target = targetOf(first);
            currentTable = target;
            Kind kind = Kind.of(first.operation());
            int j = i;
            while (j < to && Kind.of(batch.get(j).operation()) == kind
                    && targetOf(batch.get(j)).equals(target)) {
                j++;
            }
            List<ChangeEvent> group = batch.subList(i, j);
            TableInfo info = table(c, target, first);
            if (kind == Kind.DELETE) {
                keepMovedRows(c, info, target, batch, i, j);
            }
            if (kind == Kind.TRUNCATE) {
                runTruncate(c, info);
            } else {
                int step = kind == Kind.UPSERT && rowByRow.contains(target) ? 1 : MAX_ROWS_PER_STATEMENT;
                for (int off = 0; off < group.size(); off += step) {
                    List<ChangeEvent> chunk = group.subList(off, Math.min(group.size(), off + step));
                    TypedRows rows = TypedRows.convert(info, kind == Kind.UPSERT, chunk);
                    if (rows.unknownField) {
                        // a field the cached metadata lacks: refresh, evolve or fail, then convert again
                        info = checkColumns(c, target, info, chunk);
                        rows = TypedRows.convert(info, true, chunk);
                        if (rows.unknownField) {
                            // still unknown after evolution (an identifier PostgreSQL truncated to 63 bytes):
                            // json_populate_record would drop the field silently
                            throw new SchemaMismatchException("target table " + target + " cannot hold a field"
                                    + " the source sends (its column was not found after the table was read"
                                    + " again; names longer than 63 bytes are truncated by PostgreSQL)");
                        }
                    }
                    if (rows.needsJson && kind == Kind.UPSERT) {
                        // the typed read stopped at a value it cannot bind (an array, a composite, a TOASTed
                        // value left out): the fields after it were not checked, and json_populate_record ignores
                        // fields the target lacks, so check every field here (evolve or fail) first
                        info = checkColumns(c, target, info, chunk);
                    }
                    TableInfo current = info;
                    if (kind == Kind.UPSERT && !rows.needsJson && !current.toastNullArrays.isEmpty()
                            && chunk.stream().anyMatch(e -> !toastNulls(current, e).isEmpty())) {
                        rows.needsJson = true; // updateAvailable keeps the target's value of those columns
                    }
                    if (rows.unknownField || rows.needsJson) {
                        runGroupJson(c, info, kind, chunk);
                    } else {
                        rows.execute(c, info, kind == Kind.UPSERT); // one statement per run of distinct keys
                    }
                }
            }
            i = j;
        }
    }

    /**
     * After a foreign-key violation of {@code batch} (rolled back): applies its events one by one in order, each
     * behind a savepoint, up to the first that fails, and commits those. Returns the Kafka offset of the last event
     * committed, or -1 when the first already fails.
     */
    private long applyPrefix(List<ChangeEvent> batch) {
        long through = -1;
        movedRows.clear();
        try {
            Connection c = connection();
            for (int k = 0; k < batch.size(); k++) {
                java.sql.Savepoint sp = c.setSavepoint();
                try {
                    write(c, batch, k, k + 1);
                    c.releaseSavepoint(sp);
                    through = batch.get(k).record().offset();
                } catch (SQLException | RuntimeException | SchemaMismatchException failed) {
                    c.rollback(sp);
                    break;
                }
            }
            c.commit();
            return through;
        } catch (SQLException e) {
            rollbackQuietly();
            return -1;
        } finally {
            movedRows.clear();
        }
    }

    /** {@code batch} without the events its partition's foreign-key wait already applied (see applyPrefix). */
    private List<ChangeEvent> withoutAppliedPrefix(List<ChangeEvent> batch) {
        if (foreignKeyWaits.isEmpty()) {
            return batch;
        }
        String key = partitionKey(batch);
        ForeignKeyWait w = key == null ? null : foreignKeyWaits.get(key);
        if (w == null || w.appliedThrough < 0 || batch.get(0).record().offset() > w.appliedThrough) {
            return batch;
        }
        int k = 0;
        while (k < batch.size() && batch.get(k).record().offset() <= w.appliedThrough) {
            k++;
        }
        return batch.subList(k, batch.size());
    }

    /**
     * A primary-key UPDATE reaches the applier as Debezium's delete of the old key followed by a create of the new
     * key; with REPLICA IDENTITY DEFAULT that create carries the placeholder for TOASTed values the UPDATE left
     * unchanged. For each delete of {@code batch[from, to)} followed later in the batch by such a create of the same
     * target, source transaction and LSN, reads the row before it is deleted (same target transaction), so the create
     * can take the missing values from it. Costs nothing for batches without a placeholder create.
     */
    private void keepMovedRows(Connection c, TableInfo info, String target, List<ChangeEvent> batch, int from, int to)
            throws SQLException {
        List<Integer> creates = null;
        for (int k = to; k < batch.size(); k++) {
            ChangeEvent e = batch.get(k);
            if (e.operation() == Operation.CREATE && e.txId() != null && e.afterJson() != null
                    && e.afterJson().contains(placeholder) && targetOf(e).equals(target)) {
                if (creates == null) {
                    creates = new ArrayList<>();
                }
                creates.add(k);
            }
        }
        if (creates == null) {
            return;
        }
        for (int m = from; m < to; m++) {
            ChangeEvent d = batch.get(m);
            if (d.txId() == null) {
                continue;
            }
            for (java.util.Iterator<Integer> it = creates.iterator(); it.hasNext(); ) {
                ChangeEvent create = batch.get(it.next());
                if (!movedRows.containsKey(create) && d.txId().equals(create.txId())
                        && (d.lsn() == null || create.lsn() == null || d.lsn().equals(create.lsn()))) {
                    String key = deleteKey(d);
                    String old = key == null ? null : readRow(c, info, RowValues.rewrite(info, d, key, true).json);
                    if (old != null) {
                        movedRows.put(create, old);
                    }
                    it.remove();
                    break;
                }
            }
        }
    }

    /**
     * The columns of {@code e} whose null may be an unchanged TOASTed value Debezium could not send (issue 11,
     * finding 10): an UPDATE without a before image (REPLICA IDENTITY DEFAULT), a null in an array column of
     * {@link #TOAST_NULL_ARRAY_TYPES}. Empty for creates, deletes, snapshots and updates with a before image.
     */
    private static List<String> toastNulls(TableInfo info, ChangeEvent e) {
        if (info.toastNullArrays.isEmpty() || e.operation() != Operation.UPDATE || e.beforeJson() != null
                || e.afterJson() == null) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        try {
            for (Map.Entry<String, JsonToken> f : topLevelFields(e.afterJson()).entrySet()) {
                if (f.getValue() == JsonToken.VALUE_NULL && info.toastNullArrays.contains(f.getKey())) {
                    out.add(f.getKey());
                }
            }
        } catch (SQLException malformed) {
            return List.of(); // the apply path reports it
        }
        return out;
    }

    /** The target's row with the key of {@code keyJson} as {@code row_to_json}, or {@code null}. */
    private static String readRow(Connection c, TableInfo info, String keyJson) throws SQLException {
        String sql = "SELECT row_to_json(x)::text FROM " + info.quoted + " AS x, json_populate_record(NULL::"
                + info.quoted + ", ?::json) AS j WHERE " + info.keys.stream().map(TableInfo::quote)
                .map(q -> "x." + q + " = j." + q).collect(Collectors.joining(" AND "));
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, keyJson);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    /**
     * Makes sure the target table has every column the events carry: an unknown field first refreshes the cached
     * metadata (the target may have been altered meanwhile); if still unknown, with schema evolution the column is
     * added ({@code ALTER TABLE ... ADD COLUMN IF NOT EXISTS}), without it the batch fails with a
     * {@link SchemaMismatchException} (the event is dead-lettered with reason {@code schema_mismatch}). A field is
     * never dropped silently. Fields the events lack (a column dropped at the source) become NULL, as with
     * {@code json_populate_record}.
     */
    private TableInfo checkColumns(Connection c, String target, TableInfo info, List<ChangeEvent> events)
            throws SQLException, SchemaMismatchException {
        for (ChangeEvent e : events) {
            String after = e.afterJson();
            if (after == null) {
                continue;
            }
            Map<String, JsonToken> fields = topLevelFields(after);
            if (unknownFields(info, e, fields).isEmpty()) {
                continue;
            }
            tables.remove(target);
            info = table(c, target, e);
            List<String> unknown = unknownFields(info, e, fields);
            if (unknown.isEmpty()) {
                continue;
            }
            if (!schemaEvolution) {
                throw new SchemaMismatchException("target table " + target + " has no column(s) " + unknown
                        + " that the source sends (schema evolution off: add them to the target, or enable"
                        + " schemaEvolution)");
            }
            List<String> types = new ArrayList<>();
            for (String col : unknown) {
                String type = columnType(e, col, fields.get(col));
                if (type == null) {
                    throw new SchemaMismatchException("target table " + target + " has no column " + col + " that the"
                            + " source sends, and its type cannot be known from a record without a schema (an integer:"
                            + " Debezium sends date/time/timestamp/interval as integers too): add the column"
                            + " to the target with the source's type, or send schemas (converter schemas.enable=true)");
                }
                types.add(type);
            }
            try (Statement st = c.createStatement()) {
                for (int k = 0; k < unknown.size(); k++) {
                    st.execute("ALTER TABLE " + info.quoted + " ADD COLUMN IF NOT EXISTS "
                            + TableInfo.quote(unknown.get(k)) + " " + types.get(k));
                }
            }
            tables.remove(target);
            info = table(c, target, e);
            if (!unknownFields(info, e, fields).isEmpty()) {
                // an identifier PostgreSQL truncated to 63 bytes: json_populate_record would drop the field silently
                throw new SchemaMismatchException("target table " + target + " cannot hold a field the source sends"
                        + " (its column was not found after the table was read again; names longer than 63 bytes are"
                        + " truncated by PostgreSQL)");
            }
        }
        return info;
    }

    /**
     * The fields of an image the table lacks. With schema evolution, a null in a record without a schema is not one:
     * its type cannot be known, and leaving it out loses nothing (the column is added with the first non-null value;
     * earlier rows read NULL there, which is what they had).
     */
    private List<String> unknownFields(TableInfo info, ChangeEvent e, Map<String, JsonToken> fields) {
        List<String> unknown = new ArrayList<>();
        for (Map.Entry<String, JsonToken> f : fields.entrySet()) {
            if (!info.knownSet.contains(f.getKey()) && !(info.skipUnknownNulls && e.rowFieldTypes() == null
                    && f.getValue() == JsonToken.VALUE_NULL)) {
                unknown.add(f.getKey());
            }
        }
        return unknown;
    }

    /**
     * The PostgreSQL type of a column added by schema evolution: by the field's semantic type (binary: bytea; an array:
     * its element's semantic or Connect type plus {@code []}), else its JSON type;
     * {@code null} when a record without a schema cannot tell (an integer may be a Debezium date, time, timestamp or
     * interval; a null has no type): the caller fails with a {@link SchemaMismatchException} rather than guess.
     */
    private static String columnType(ChangeEvent e, String field, JsonToken token) {
        Map<String, String> types = e.rowFieldTypes();
        String semantic = types == null ? null : types.get(field);
        if (semantic != null) {
            String element = RowValues.elementType(semantic);
            if (element != null) {
                // an array: its element's type (semantic, else Connect's), or jsonb below when unknown
                String type = sqlType(element);
                if (type == null) {
                    type = connectSqlType(element);
                }
                if (type != null) {
                    return type + "[]";
                }
            } else {
                String type = sqlType(semantic);
                if (type != null) {
                    return type;
                }
            }
        }
        boolean schemaless = types == null;
        if (token == null || token == JsonToken.VALUE_NULL) {
            return schemaless ? null : "text";
        }
        switch (token) {
            case VALUE_NUMBER_INT:
                return schemaless ? null : "bigint";
            case VALUE_NUMBER_FLOAT:
                return "double precision";
            case VALUE_TRUE:
            case VALUE_FALSE:
                return "boolean";
            case START_OBJECT:
            case START_ARRAY:
                return "jsonb";
            default:
                return "text"; // strings (and nulls with a schema: type unknown, the widest)
        }
    }

    /** The PostgreSQL type of a semantic type name (and of Connect's {@code bytes}), {@code null} if unknown. */
    private static String sqlType(String semantic) {
        switch (semantic) {
            case "io.debezium.time.Date":
            case "org.apache.kafka.connect.data.Date":
                return "date";
            case "io.debezium.time.Time":
            case "io.debezium.time.MicroTime":
            case "io.debezium.time.NanoTime":
            case "org.apache.kafka.connect.data.Time":
                return "time";
            case "io.debezium.time.Timestamp":
            case "io.debezium.time.MicroTimestamp":
            case "io.debezium.time.NanoTimestamp":
            case "org.apache.kafka.connect.data.Timestamp":
                return "timestamp";
            case "io.debezium.time.ZonedTimestamp":
                return "timestamptz";
            case "io.debezium.time.ZonedTime":
                return "timetz";
            case "io.debezium.data.Json":
                return "jsonb";
            case "io.debezium.time.MicroDuration":
            case "io.debezium.time.Interval":
                return "interval";
            case "io.debezium.data.Uuid":
                return "uuid";
            case "bytes":
                return "bytea"; // binary without a semantic type (a base64 string in JSON)
            default:
                return null;
        }
    }

    /**
     * The PostgreSQL type of a Kafka Connect primitive type as JsonConverter names it (an array's element),
     * {@code null} if unknown.
     */
    private static String connectSqlType(String connectType) {
        switch (connectType) {
            case "int8":
            case "int16":
                return "smallint";
            case "int32":
                return "integer";
            case "int64":
                return "bigint";
            case "float": // JsonConverter's names of FLOAT32 and FLOAT64
            case "float32":
                return "real";
            case "double":
            case "float64":
                return "double precision";
            case "boolean":
                return "boolean";
            case "string":
                return "text";
            default:
                return null;
        }
    }

    /** Top-level field names of a JSON object with the token of each value (streaming, no tree). */
    private static Map<String, JsonToken> topLevelFields(String json) throws SQLException {
        Map<String, JsonToken> out = new LinkedHashMap<>();
        try (JsonParser p = JSON.createParser(json)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return out;
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken v = p.nextToken();
                out.put(name, v);
                p.skipChildren();
            }
        } catch (java.io.IOException ex) {
            throw new SQLException("row image is not a JSON object", "22P02");
        }
        return out;
    }

    private String targetOf(ChangeEvent e) {
        String t = tableMapping.apply(e);
        if (t == null || t.isBlank()) {
            throw new IllegalArgumentException("no target table for " + e);
        }
        return t;
    }

    private static void runTruncate(Connection c, TableInfo info) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.executeUpdate("DELETE FROM " + info.quoted);
        }
    }

    /**
     * The generic path (the only one before issue 16), for row images the typed path cannot bind (a JSON object or array in a column that is not
     * {@code json}/{@code jsonb}: arrays, composite types): PostgreSQL reads each image with
     * {@code json_populate_record}.
     */
    private void runGroupJson(Connection c, TableInfo info, Kind kind, List<ChangeEvent> events) throws SQLException {
        String sql = kind == Kind.UPSERT ? info.upsertSql : info.deleteSql;
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            int pending = 0;
            for (ChangeEvent e : events) {
                String json = kind == Kind.UPSERT ? e.afterJson() : deleteKey(e);
                if (json == null) {
                    throw new IllegalArgumentException("event without " + (kind == Kind.UPSERT ? "after" : "before/key")
                            + " image: " + e);
                }
                RowValues.Rewritten r = RowValues.rewrite(info, e, json, kind != Kind.UPSERT);
                if (kind == Kind.UPSERT) {
                    List<String> nulls = toastNulls(info, e);
                    if (!nulls.isEmpty()) {
                        List<String> unavailable = new ArrayList<>(r.unavailable);
                        nulls.stream().filter(n -> !unavailable.contains(n)).forEach(unavailable::add);
                        r = new RowValues.Rewritten(r.json, unavailable);
                        if (toastNullLogged.add(info.quoted)) {
                            LOG.warn("{}: an UPDATE without a before image (REPLICA IDENTITY DEFAULT) sent null for"
                                    + " array column(s) {}: kept the target's value (Debezium sends null for such an"
                                    + " unchanged TOASTed array); a NULL set at the source is not replicated unless the"
                                    + " source table has REPLICA IDENTITY FULL (logged once per table)",
                                    info.quoted, nulls);
                        }
                    }
                }
                if (kind == Kind.UPSERT && !r.unavailable.isEmpty()) {
                    if (pending > 0) {
                        ps.executeBatch(); // keep the order of the events of a key
                        pending = 0;
                    }
                    if (!updateAvailable(c, info, r, movedRows.get(e))) {
                        throw new IllegalArgumentException("apply to " + info.quoted + " failed: the row is not in"
                                + " the target and the event lacks the value of unchanged TOASTed column(s) "
                                + r.unavailable + " (Debezium's unavailable.value.placeholder): not written;"
                                + " REPLICA IDENTITY FULL on the source table sends them");
                    }
                    continue;
                }
                ps.setString(1, r.json);
                ps.addBatch();
                pending++;
            }
            if (pending > 0) {
                ps.executeBatch();
            }
        }
    }

    /**
     * An image with unchanged TOASTed columns (Debezium's placeholder instead of the value): updates the row's other
     * columns and leaves those as the target has them. A row the target lacks cannot be written without their values:
     * the event fails (dead-lettered, reason {@code apply_failed}) rather than write the placeholder or NULL, unless
     * {@code movedRow} (the old row of a primary-key UPDATE, read before its delete in this batch) has them: then the
     * row is inserted with those values. Returns whether the row was written.
     */
    private static boolean updateAvailable(Connection c, TableInfo info, RowValues.Rewritten r, String movedRow)
            throws SQLException {
        List<String> set = new ArrayList<>(info.setColumns);
        set.removeAll(r.unavailable);
        String from = " FROM json_populate_record(NULL::" + info.quoted + ", ?::json) AS j WHERE "
                + info.keys.stream().map(TableInfo::quote).map(q -> "x." + q + " = j." + q)
                .collect(Collectors.joining(" AND "));
        String sql = set.isEmpty() ? "SELECT count(*) FROM " + info.quoted + " AS x," + from.substring(" FROM".length())
                : "UPDATE " + info.quoted + " AS x SET " + set.stream().map(TableInfo::quote)
                .map(q -> q + " = j." + q).collect(Collectors.joining(", ")) + from;
        long n;
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, r.json);
            if (set.isEmpty()) {
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    n = rs.getLong(1);
                }
            } else {
                n = ps.executeUpdate();
            }
        }
        if (n > 0) {
            return true;
        }
        if (movedRow == null) {
            return false;
        }
        try {
            com.fasterxml.jackson.databind.node.ObjectNode row =
                    (com.fasterxml.jackson.databind.node.ObjectNode) MAPPER.readTree(r.json);
            JsonNode old = MAPPER.readTree(movedRow);
            for (String col : r.unavailable) {
                if (!old.has(col)) {
                    return false;
                }
                row.set(col, old.get(col));
            }
            try (PreparedStatement ps = c.prepareStatement(info.upsertSql)) {
                ps.setString(1, MAPPER.writeValueAsString(row));
                return ps.executeUpdate() > 0;
            }
        } catch (java.io.IOException | ClassCastException ex) {
            return false;
        }
    }

    static String deleteKey(ChangeEvent e) {
        if (e.beforeJson() != null) {
            return e.beforeJson();
        }
        byte[] key = e.record().key();
        if (key == null) {
            return null;
        }
        try {
            JsonNode node = MAPPER.readTree(key);
            if (node.has("payload") && node.has("schema")) {
                node = node.get("payload");
            }
            return node.isObject() ? node.toString() : null;
        } catch (java.io.IOException ex) {
            return null;
        }
    }

    private TableInfo table(Connection c, String target, ChangeEvent first) throws SQLException, SchemaMismatchException {
        TableInfo info = tables.get(target);
        if (info == null) {
            try {
                info = TableInfo.load(c, target, configuredKeys.get(target), timePrecisionMode, placeholder, binaryMode,
                        schemaEvolution);
            } catch (SQLException e) {
                if (!"42P01".equals(e.getSQLState())) {
                    throw e;
                }
                // thrown by load() itself (no columns found): the transaction is still usable
                if (!schemaEvolution) {
                    throw new SchemaMismatchException("target table " + target + " does not exist (schema evolution off:"
                            + " create it, or enable schemaEvolution)");
                }
                createTable(c, target, first);
                info = TableInfo.load(c, target, configuredKeys.get(target), timePrecisionMode, placeholder, binaryMode,
                        schemaEvolution);
            }
            tables.put(target, info);
        }
        return info;
    }

    /** Schema evolution of a new table: columns from the event's row image, primary key from the record key. */
    private void createTable(Connection c, String target, ChangeEvent e) throws SQLException, SchemaMismatchException {
        String image = e.afterJson() != null ? e.afterJson() : e.beforeJson();
        String key = deleteKey(e.beforeJson() == null ? e : ChangeEvent.builder(e.record(), e.kind()).build());
        if (image == null || key == null) {
            throw new SchemaMismatchException("target table " + target + " does not exist and the event has no row"
                    + " image and key to create it from");
        }
        Map<String, JsonToken> cols = topLevelFields(image);
        List<String> keys = configuredKeys.get(target) != null ? configuredKeys.get(target)
                : new ArrayList<>(topLevelFields(key).keySet());
        if (keys.isEmpty() || !cols.keySet().containsAll(keys)) {
            throw new SchemaMismatchException("target table " + target + " does not exist and its key " + keys
                    + " is not among the row's columns");
        }
        int dot = target.indexOf('.');
        String quoted = dot < 0 ? TableInfo.quote(target)
                : TableInfo.quote(target.substring(0, dot)) + "." + TableInfo.quote(target.substring(dot + 1));
        StringBuilder ddl = new StringBuilder("CREATE TABLE IF NOT EXISTS ").append(quoted).append(" (");
        for (Map.Entry<String, JsonToken> col : cols.entrySet()) {
            String type = columnType(e, col.getKey(), col.getValue());
            if (type == null) {
                // a new table from a record without a schema: integers as bigint, nulls as text (a known limit: a
                // date arrives as epoch days; send schemas or create the target table, see docs/cdc.md)
                type = col.getValue() == JsonToken.VALUE_NUMBER_INT ? "bigint" : "text";
            }
            ddl.append(TableInfo.quote(col.getKey())).append(' ').append(type).append(", ");
        }
        ddl.append("PRIMARY KEY (").append(keys.stream().map(TableInfo::quote).collect(Collectors.joining(", ")))
                .append("))");
        try (Statement st = c.createStatement()) {
            st.execute(ddl.toString());
        }
    }

    private Connection connection() throws SQLException {
        if (connection == null || connection.isClosed()) {
            connection = dataSource.getConnection();
            connection.setAutoCommit(false);
        }
        return connection;
    }

    private void rollbackQuietly() {
        try {
            if (connection != null && !connection.isClosed()) {
                connection.rollback();
            }
        } catch (SQLException ignored) {
            closeConnection();
        }
    }

    private void closeConnection() {
        try {
            if (connection != null) {
                connection.close();
            }
        } catch (SQLException ignored) {
            // already broken
        }
        connection = null;
    }

    /** SQLState of a foreign-key violation. */
    private static final String FOREIGN_KEY_VIOLATION = "23503";
    /** ON CONFLICT DO UPDATE command cannot affect row a second time. */
    private static final String CARDINALITY_VIOLATION = "21000";
    /** SQLState of a canceled statement ({@code statement_timeout}, {@code pg_cancel_backend}). */
    private static final String QUERY_CANCELED = "57014";

    /**
     * The name of the violated foreign-key constraint, from the first line of the server's message (PostgreSQL:
     * {@code ... violates foreign key constraint "name"}); null when it is not there (another wording or locale).
     * Only the name: the message's detail line carries the key's values, which never leave the applier.
     */
    static String foreignKeyName(SQLException e) {
        String m = e.getMessage();
        if (m == null) {
            return null;
        }
        int nl = m.indexOf('\n');
        String first = nl < 0 ? m : m.substring(0, nl);
        int at = first.indexOf("constraint \"");
        if (at < 0) {
            return null;
        }
        int from = at + "constraint \"".length();
        int to = first.indexOf('"', from);
        return to <= from ? null : first.substring(from, to);
    }

    /** The foreign-key wait of a partition's blocked batch: since when, and the offsets it covered so far. */
    private static final class ForeignKeyWait {
        final long sinceNanos;
        final long from;
        long through;
        /** The offset through which events of the waiting batch were applied before the wait (-1: none). */
        long appliedThrough = -1;

        ForeignKeyWait(long sinceNanos, long from, long through) {
            this.sinceNanos = sinceNanos;
            this.from = from;
            this.through = through;
        }
    }

    /** The partition key of a batch of one topic-partition with Kafka offsets; null otherwise. */
    private static String partitionKey(List<ChangeEvent> batch) {
        io.migmon.cdc.CdcRecord first = batch.get(0).record();
        if (first == null || first.offset() < 0) {
            return null;
        }
        for (ChangeEvent e : batch) {
            io.migmon.cdc.CdcRecord r = e.record();
            if (r == null || r.offset() < 0 || r.partition() != first.partition() || !r.topic().equals(first.topic())) {
                return null;
            }
        }
        return first.topic() + '\u0000' + first.partition();
    }

    /**
     * Whether a foreign-key violation of {@code batch} is still within {@link Builder#foreignKeyRetry} (retriable).
     * The wait is per topic-partition and starts at the first violation of a batch beyond the offsets an earlier wait
     * covered; the rewound batch and its isolated events (the processor applies them one by one after its retries)
     * are judged by that wait, so an orphan is dead-lettered once the bound has passed, not waited for again.
     * Events without Kafka offsets (an embedded engine) or a batch of several partitions are not waited for.
     */
    private boolean foreignKeyWaiting(List<ChangeEvent> batch) {
        return waiting(foreignKeyWaits, batch, foreignKeyRetryNanos);
    }

    /** A partition's bounded wait in {@code waits} (see {@link #foreignKeyWaiting}): whether still within it. */
    private static boolean waiting(Map<String, ForeignKeyWait> waits, List<ChangeEvent> batch, long boundNanos) {
        String key = partitionKey(batch);
        if (key == null) {
            return false;
        }
        long first = batch.get(0).record().offset();
        long last = batch.get(batch.size() - 1).record().offset();
        long now = System.nanoTime();
        ForeignKeyWait w = waits.get(key);
        if (w == null || first > w.through) {
            waits.put(key, new ForeignKeyWait(now, first, last));
            return boundNanos > 0;
        }
        w.through = Math.max(w.through, last);
        return now - w.sinceNanos < boundNanos;
    }

    /** Ends a partition's foreign-key wait once the batch applied covers or follows the offsets it held back. */
    private void foreignKeyApplied(List<ChangeEvent> batch) {
        ended(foreignKeyWaits, batch);
    }

    /** Ends a partition's wait in {@code waits} once the batch applied covers or follows the offsets it held. */
    private static void ended(Map<String, ForeignKeyWait> waits, List<ChangeEvent> batch) {
        String key = partitionKey(batch);
        ForeignKeyWait w = key == null ? null : waits.get(key);
        if (w == null) {
            return;
        }
        long first = batch.get(0).record().offset();
        long last = batch.get(batch.size() - 1).record().offset();
        if (first > w.through || (first <= w.from && last >= w.through)) {
            waits.remove(key);
        }
    }

    private static SQLException root(SQLException e) {
        SQLException r = e;
        if (e instanceof BatchUpdateException && e.getNextException() != null) {
            r = e.getNextException();
        }
        return r;
    }

    private static boolean isTransient(SQLException e) {
        if (e instanceof SQLTransientException) {
            return true;
        }
        String s = e.getSQLState();
        // 08 connection, 40 serialization/deadlock, 53 insufficient resources (too many connections, disk full),
        // 57 operator intervention (shutdown, cancel), 25006 read-only transaction (maintenance, a failover that left
        // the applier on a standby), 55P03 lock not available (a lock_timeout while a migration holds the table): the
        // target is unavailable, not the event bad; retried, never dead-lettered
        return s != null && (s.startsWith("08") || s.startsWith("40") || s.startsWith("53") || s.startsWith("57")
                || s.equals("25006") || s.equals("55P03"));
    }

    @Override
    public synchronized void close() {
        closeConnection();
    }

    @Override
    public String toString() {
        return "JdbcChangeApplier{tables=" + tables.keySet() + ", timePrecisionMode=" + timePrecisionMode.configValue()
                + ", schemaEvolution=" + schemaEvolution + "}";
    }

    /** How binary values ({@code bytea}) are encoded as text: the connector's {@code binary.handling.mode}. */
    enum BinaryMode {
        /** {@code bytes} (Debezium's default: base64 in JSON) and {@code base64}. */
        BASE64,
        /** {@code base64-url-safe}. */
        BASE64_URL_SAFE,
        /** {@code hex}. */
        HEX;

        static BinaryMode fromConfigValue(String value) {
            if (value != null) {
                switch (value.trim().toLowerCase(java.util.Locale.ROOT)) {
                    case "bytes":
                    case "base64":
                        return BASE64;
                    case "base64-url-safe":
                        return BASE64_URL_SAFE;
                    case "hex":
                        return HEX;
                    default:
                        break;
                }
            }
            throw new IllegalArgumentException("binaryHandlingMode must be one of bytes, base64, base64-url-safe, hex"
                    + " (the connector's binary.handling.mode), was " + value);
        }

        String describe() {
            return this == HEX ? "hex" : this == BASE64_URL_SAFE ? "url-safe base64" : "base64";
        }
    }

    private enum Kind {
        UPSERT, DELETE, TRUNCATE;

        static Kind of(Operation op) {
            if (op == Operation.DELETE) {
                return DELETE;
            }
            if (op == Operation.TRUNCATE) {
                return TRUNCATE;
            }
            if (op != null && op.isUpsert()) {
                return UPSERT;
            }
            throw new IllegalArgumentException("cannot apply operation " + op);
        }
    }

    static final class TableInfo {
        final String quoted;
        final java.util.Set<String> columnSet;
        final String upsertSql;
        final String deleteSql;
        /**
         * Unit of each temporal column's numbers (of a date/time/timestamp array: its elements') in records without a
         * schema; empty when there are none.
         */
        final Map<String, TemporalValues.Unit> inferredUnits;
        /** Column position by name (table order). */
        final Map<String, Integer> index;
        /** Inferred unit by column position, {@code null} where none. */
        final TemporalValues.Unit[] inferredUnitAt;
        /** Whether the column's (base) type is {@code json} or {@code jsonb}: bound as the value's JSON text. */
        final boolean[] jsonAt;
        /** Whether the column's (base) type is {@code bytea}: strings are decoded per {@link #binaryMode}. */
        final boolean[] byteaAt;
        /** Whether the column's (base) type is {@code interval}: integers are microseconds. */
        final boolean[] intervalAt;
        /** Whether the column is a {@code bytea[]}: its elements are decoded as {@link #byteaAt} values are. */
        final boolean[] byteaArrayAt;
        /** Whether the column is a {@code json[]}/{@code jsonb[]}: its elements are documents' text. */
        final boolean[] jsonArrayAt;
        /** Columns the applier never writes (stored generated columns: PostgreSQL computes them). */
        final java.util.Set<String> skipped;
        /**
         * Array columns whose unchanged TOASTed value Debezium cannot replace by its placeholder and sends as
         * {@code null} instead ({@link #TOAST_NULL_ARRAY_TYPES}; issue 11, finding 10).
         */
        final java.util.Set<String> toastNullArrays;
        /** Columns and skipped columns: the fields an image may carry. */
        final java.util.Set<String> knownSet;
        /** Key columns. */
        final List<String> keys;
        /** Columns an upsert's conflict branch sets: not keys, not GENERATED ALWAYS identity columns. */
        final List<String> setColumns;
        /** Debezium's {@code unavailable.value.placeholder}, and as bytes (binary columns). */
        final String placeholder;
        final byte[] placeholderBytes;
        final BinaryMode binaryMode;
        /** Schema evolution on: a null for a column the table lacks, in a record without a schema, is left out. */
        final boolean skipUnknownNulls;
        /** Positions of the key columns. */
        final int[] keyAt;
        /** Whether the column at a position is a key column (deletes convert only those). */
        final boolean[] isKeyAt;
        /** Multi-row upsert of text arrays cast to the column types, one array parameter per column. */
        final String typedUpsertSql;
        /** Multi-row delete by key, one text array parameter per key column. */
        final String typedDeleteSql;
        /** The row plan of the schema version last applied to this table (see {@link TypedRows.RowPlan}). */
        volatile TypedRows.RowPlan plan;

        private TableInfo(String quoted, List<String> columns, List<String> keys,
                          Map<String, TemporalValues.Unit> inferredUnits, Map<String, String> castTypes,
                          Map<String, String> keyCastTypes, java.util.Set<String> jsonColumns,
                          java.util.Set<String> arrayColumns,
                          Map<String, String> baseTypes, java.util.Set<String> skipped,
                          java.util.Set<String> identityAlways, String placeholder, BinaryMode binaryMode,
                          boolean skipUnknownNulls) {
            this.skipUnknownNulls = skipUnknownNulls;
            this.quoted = quoted;
            this.columnSet = java.util.Set.copyOf(columns);
            this.skipped = java.util.Set.copyOf(skipped);
            java.util.Set<String> toastNull = new java.util.HashSet<>();
            for (String col : columns) {
                String base = baseTypes.get(col);
                if (base != null && TOAST_NULL_ARRAY_TYPES.contains(base)) {
                    toastNull.add(col);
                }
            }
            this.toastNullArrays = java.util.Set.copyOf(toastNull);
            java.util.Set<String> known = new java.util.HashSet<>(columns);
            known.addAll(skipped);
            this.knownSet = java.util.Set.copyOf(known);
            this.keys = List.copyOf(keys);
            this.placeholder = placeholder;
            this.placeholderBytes = placeholder.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            this.binaryMode = binaryMode;
            this.byteaAt = new boolean[columns.size()];
            this.intervalAt = new boolean[columns.size()];
            this.byteaArrayAt = new boolean[columns.size()];
            this.jsonArrayAt = new boolean[columns.size()];
            for (int i = 0; i < columns.size(); i++) {
                String base = baseTypes.get(columns.get(i));
                byteaAt[i] = "bytea".equals(base);
                intervalAt[i] = "interval".equals(base);
                byteaArrayAt[i] = "_bytea".equals(base);
                jsonArrayAt[i] = "_json".equals(base) || "_jsonb".equals(base);
            }
            this.inferredUnits = Map.copyOf(inferredUnits);
            Map<String, Integer> idx = new HashMap<>();
            this.inferredUnitAt = new TemporalValues.Unit[columns.size()];
            this.jsonAt = new boolean[columns.size()];
            for (int i = 0; i < columns.size(); i++) {
                idx.put(columns.get(i), i);
                inferredUnitAt[i] = inferredUnits.get(columns.get(i));
                jsonAt[i] = jsonColumns.contains(columns.get(i));
            }
            this.index = Map.copyOf(idx);
            this.keyAt = keys.stream().mapToInt(k -> idx.getOrDefault(k, -1)).toArray();
            this.isKeyAt = new boolean[columns.size()];
            for (int k : keyAt) {
                if (k >= 0) {
                    isKeyAt[k] = true;
                }
            }
            String pk = keys.stream().map(TableInfo::quote).collect(Collectors.joining(", "));
            List<String> nonKey = new ArrayList<>(columns);
            nonKey.removeAll(keys);
            nonKey.removeAll(identityAlways); // GENERATED ALWAYS: can only be updated to DEFAULT
            this.setColumns = List.copyOf(nonKey);
            String set = nonKey.isEmpty() ? null : nonKey.stream().map(TableInfo::quote)
                    .map(q -> q + " = EXCLUDED." + q).collect(Collectors.joining(", "));
            String columnList = columns.stream().map(TableInfo::quote).collect(Collectors.joining(", "));
            // explicit key values into a GENERATED ALWAYS identity column need OVERRIDING SYSTEM VALUE (else 428C9)
            String overriding = identityAlways.isEmpty() ? "" : " OVERRIDING SYSTEM VALUE";
            this.upsertSql = "INSERT INTO " + quoted + " (" + columnList + ")" + overriding + " SELECT " + columnList
                    + " FROM json_populate_record(NULL::" + quoted + ", ?::json)"
                    + " ON CONFLICT (" + pk + ") DO " + (set == null ? "NOTHING" : "UPDATE SET " + set);
            this.deleteSql = "DELETE FROM " + quoted + " WHERE (" + pk + ") IN (SELECT " + pk
                    + " FROM json_populate_record(NULL::" + quoted + ", ?::json))";
            // typed: unnest(type[], ...) of each column's type without its modifier, bound as untyped array literals
            // that PostgreSQL reads with the type's own input function (no text datum, no cast per value); a type
            // without an array type (or with another array delimiter) goes as text[] and a cast. The INSERT's
            // assignment applies the modifier as json_populate_record's input did (too long for varchar(n): an error,
            // numeric(p,s) rounded). Positional aliases a0..an keep any column name out of the select list.
            StringBuilder up = new StringBuilder("INSERT INTO ").append(quoted).append(" (")
                    .append(columnList).append(")").append(overriding).append(" SELECT ");
            StringBuilder params = new StringBuilder();
            StringBuilder aliases = new StringBuilder();
            for (int i = 0; i < columns.size(); i++) {
                String sep = i == 0 ? "" : ", ";
                String type = castTypes.getOrDefault(columns.get(i), "text");
                if (arrayColumns.contains(columns.get(i))) {
                    up.append(sep).append("a").append(i);
                    params.append(sep).append("?::").append(type).append("[]");
                } else {
                    up.append(sep).append("a").append(i).append("::").append(type);
                    params.append(sep).append("?::text[]");
                }
                aliases.append(sep).append("a").append(i);
            }
            up.append(" FROM unnest(").append(params).append(") AS u(").append(aliases).append(") ON CONFLICT (")
                    .append(pk).append(") DO ").append(set == null ? "NOTHING" : "UPDATE SET " + set);
            this.typedUpsertSql = up.toString();
            StringBuilder del = new StringBuilder("DELETE FROM ").append(quoted).append(" WHERE (").append(pk)
                    .append(") IN (SELECT ");
            StringBuilder dParams = new StringBuilder();
            StringBuilder dAliases = new StringBuilder();
            for (int i = 0; i < keys.size(); i++) {
                String sep = i == 0 ? "" : ", ";
                String type = castTypes.getOrDefault(keys.get(i), "text");
                String alias = "a" + i;
                boolean array = arrayColumns.contains(keys.get(i));
                dParams.append(sep).append(array ? "?::" + type + "[]" : "?::text[]");
                // the key as the upsert stored it: the column's modifier applied (numeric(10,2), timestamp(0) round,
                // as the INSERT's assignment did); without it a rounded key is never matched (see keyExpression)
                del.append(sep).append(keyExpression(alias, array ? null : type, keyCastTypes.get(keys.get(i))));
                dAliases.append(sep).append(alias);
            }
            del.append(" FROM unnest(").append(dParams).append(") AS u(").append(dAliases).append("))");
            this.typedDeleteSql = del.toString();
        }

        /**
         * A key value of the typed delete read as the column stores it: {@code alias} (typed {@code type}, or already
         * of the column's type when {@code type} is null) cast to {@code full}, the column's type with its modifier.
         * {@code varchar(n)}: only when the value is at most n characters but for trailing spaces (what the
         * assignment of an upsert accepts and cuts); a longer one stays as it is and matches no row (an explicit
         * cast would cut it and delete another key's row; the generic path rejects it).
         */
        static String keyExpression(String alias, String type, String full) {
            String typed = type == null ? alias : alias + "::" + type;
            if (full == null) {
                return typed;
            }
            if (full.startsWith(VARCHAR_PREFIX) && full.endsWith(")")) {
                String n = full.substring(VARCHAR_PREFIX.length(), full.length() - 1);
                return "CASE WHEN char_length(rtrim(" + typed + ", ' ')) <= " + n + " THEN " + typed + "::" + full
                        + " ELSE " + typed + " END";
            }
            return typed + "::" + full;
        }

        private static final String VARCHAR_PREFIX = "character varying(";

        /**
         * Types whose explicit cast to a modifier cuts or pads a value the assignment would reject ({@code char(n)},
         * {@code bit(n)}, {@code varbit(n)} and their arrays): their keys are compared without the modifier (char
         * compares without trailing spaces; a longer value matches no row). {@code varchar(n)}: see
         * {@link #keyExpression}; arrays of it are compared without the modifier.
         */
        private static final java.util.Set<String> CUT_BY_EXPLICIT_CAST = java.util.Set.of("bpchar", "bit", "varbit",
                "_bpchar", "_bit", "_varbit", "_varchar");

        static TableInfo load(Connection c, String target, List<String> configuredKey, TimePrecisionMode mode,
                              String placeholder, BinaryMode binaryMode, boolean skipUnknownNulls)
                throws SQLException {
            int dot = target.indexOf('.');
            String schema = dot < 0 ? null : target.substring(0, dot);
            String table = dot < 0 ? target : target.substring(dot + 1);
            DatabaseMetaData md = c.getMetaData();
            Map<Integer, String> cols = new HashMap<>();
            try (ResultSet rs = md.getColumns(null, schema, table, null)) {
                while (rs.next()) {
                    // the names are LIKE patterns ("t_x" also matches "t1x"): keep the exact table only
                    if (!table.equals(rs.getString("TABLE_NAME"))
                            || (schema != null && !schema.equals(rs.getString("TABLE_SCHEM")))) {
                        continue;
                    }
                    cols.put(rs.getInt("ORDINAL_POSITION"), rs.getString("COLUMN_NAME"));
                }
            }
            if (cols.isEmpty()) {
                throw new SQLException("target table " + target + " not found", "42P01");
            }
            List<String> columns = cols.entrySet().stream().sorted(Map.Entry.comparingByKey())
                    .map(Map.Entry::getValue).collect(Collectors.toList());
            List<String> keys = configuredKey;
            if (keys == null) {
                Map<Integer, String> pk = new HashMap<>();
                try (ResultSet rs = md.getPrimaryKeys(null, schema, table)) {
                    while (rs.next()) {
                        pk.put(rs.getInt("KEY_SEQ"), rs.getString("COLUMN_NAME"));
                    }
                }
                keys = pk.entrySet().stream().sorted(Map.Entry.comparingByKey()).map(Map.Entry::getValue)
                        .collect(Collectors.toList());
            }
            if (keys.isEmpty()) {
                throw new SQLException("target table " + target + " has no primary key; configure primaryKey(...)", "42P10");
            }
            String quoted = (schema == null ? "" : quote(schema) + ".") + quote(table);
            Map<String, TemporalValues.Unit> units = new HashMap<>();
            // built-in date/time/timestamp columns, directly or through a domain (whose typmod is the domain's)
            try (PreparedStatement ps = c.prepareStatement("SELECT a.attname, coalesce(b.typname, t.typname),"
                    + " CASE WHEN b.oid IS NULL THEN a.atttypmod ELSE t.typtypmod END"
                    + " FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid"
                    + " LEFT JOIN pg_type b ON t.typtype = 'd' AND b.oid = t.typbasetype"
                    + " WHERE a.attrelid = ?::regclass AND a.attnum > 0 AND NOT a.attisdropped"
                    + " AND coalesce(b.typname, t.typname) IN ('date', 'time', 'timestamp', '_date', '_time',"
                    + " '_timestamp')"
                    + " AND coalesce(b.typnamespace, t.typnamespace) = 'pg_catalog'::regnamespace")) {
                ps.setString(1, quoted);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        // an array's typmod is its element's: the unit is the element's (see RowValues.rewrite)
                        TemporalValues.Unit u = inferUnit(rs.getString(2).replaceFirst("^_", ""), rs.getInt(3), mode);
                        if (u != null) {
                            units.put(rs.getString(1), u);
                        }
                    }
                }
            }
            Map<String, String> castTypes = new HashMap<>();
            Map<String, String> keyCastTypes = new HashMap<>();
            java.util.Set<String> jsonColumns = new java.util.HashSet<>();
            java.util.Set<String> arrayColumns = new java.util.HashSet<>();
            Map<String, String> baseTypes = new HashMap<>();
            java.util.Set<String> generated = new java.util.HashSet<>();
            java.util.Set<String> identityAlways = new java.util.HashSet<>();
            // the type without its modifier, except char(n) and bit(n): "character" and "bit" without a length
            // mean length 1 (the typed path's cast truncated char(4) 'ab' to 'a', or failed bit(3)); bpchar and
            // varbit take any length, and the INSERT's assignment applies the column's modifier
            try (PreparedStatement ps = c.prepareStatement("SELECT a.attname, CASE a.atttypid"
                    + " WHEN 'pg_catalog.bpchar'::regtype THEN 'bpchar' WHEN 'pg_catalog.bit'::regtype THEN 'varbit'"
                    + " WHEN 'pg_catalog._bpchar'::regtype THEN 'bpchar[]' WHEN 'pg_catalog._bit'::regtype THEN 'varbit[]'"
                    + " ELSE pg_catalog.format_type(a.atttypid, NULL) END,"
                    + " coalesce(b.typname, t.typname) IN ('json', 'jsonb'), t.typarray <> 0 AND t.typdelim = ',',"
                    + " CASE WHEN coalesce(b.typnamespace, t.typnamespace) = 'pg_catalog'::regnamespace"
                    + " THEN coalesce(b.typname, t.typname) END, a.attgenerated <> '', a.attidentity = 'a',"
                    + " pg_catalog.format_type(a.atttypid, a.atttypmod), a.atttypmod"
                    + " FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid"
                    + " LEFT JOIN pg_type b ON t.typtype = 'd' AND b.oid = t.typbasetype"
                    + " WHERE a.attrelid = ?::regclass AND a.attnum > 0 AND NOT a.attisdropped")) {
                ps.setString(1, quoted);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        castTypes.put(rs.getString(1), rs.getString(2));
                        // the type with the column's modifier, for the typed delete's keys (a domain's modifier is
                        // the domain's own: its name is the type either way)
                        String base = rs.getString(5);
                        if (rs.getInt(9) >= 0 && (base == null || !CUT_BY_EXPLICIT_CAST.contains(base))) {
                            keyCastTypes.put(rs.getString(1), rs.getString(8));
                        }
                        if (rs.getBoolean(3)) {
                            jsonColumns.add(rs.getString(1));
                        }
                        if (rs.getBoolean(4)) {
                            arrayColumns.add(rs.getString(1));
                        }
                        if (rs.getString(5) != null) {
                            baseTypes.put(rs.getString(1), rs.getString(5));
                        }
                        if (rs.getBoolean(6)) {
                            generated.add(rs.getString(1));
                        }
                        if (rs.getBoolean(7)) {
                            identityAlways.add(rs.getString(1));
                        }
                    }
                }
            }
            c.commit();
            columns = new ArrayList<>(columns);
            columns.removeAll(generated); // computed by PostgreSQL: never written (428C9 otherwise)
            return new TableInfo(quoted, Collections.unmodifiableList(columns), keys, units, castTypes, keyCastTypes,
                    jsonColumns,
                    arrayColumns, baseTypes, generated, identityAlways, placeholder, binaryMode, skipUnknownNulls);
        }

        /** The unit Debezium uses for a column of this type and type modifier (precision, -1 = default 6). */
        static TemporalValues.Unit inferUnit(String typeName, int typmod, TimePrecisionMode mode) {
            if (mode == TimePrecisionMode.ISOSTRING) {
                return null;
            }
            int precision = typmod < 0 ? 6 : typmod;
            switch (typeName) {
                case "date":
                    return TemporalValues.Unit.EPOCH_DAYS;
                case "time":
                    if (mode == TimePrecisionMode.CONNECT) {
                        return TemporalValues.Unit.MILLIS_OF_DAY;
                    }
                    if (mode == TimePrecisionMode.ADAPTIVE_TIME_MICROSECONDS) {
                        return TemporalValues.Unit.MICROS_OF_DAY;
                    }
                    return precision <= 3 ? TemporalValues.Unit.MILLIS_OF_DAY : TemporalValues.Unit.MICROS_OF_DAY;
                case "timestamp":
                    if (mode == TimePrecisionMode.CONNECT) {
                        return TemporalValues.Unit.EPOCH_MILLIS;
                    }
                    return precision <= 3 ? TemporalValues.Unit.EPOCH_MILLIS : TemporalValues.Unit.EPOCH_MICROS;
                default:
                    return null;
            }
        }

        static String quote(String identifier) {
            return '"' + identifier.replace("\"", "\"\"") + '"';
        }
    }

    /** Builds a {@link JdbcChangeApplier}. Not thread-safe. */
    public static final class Builder {
        /** Default of {@link #foreignKeyRetry}. */
        static final java.time.Duration DEFAULT_FOREIGN_KEY_RETRY = java.time.Duration.ofSeconds(30);
        private final DataSource dataSource;
        private Function<ChangeEvent, String> tableMapping = ChangeEvent::qualifiedTable;
        private final Map<String, List<String>> primaryKeys = new HashMap<>();
        private TimePrecisionMode timePrecisionMode = TimePrecisionMode.ADAPTIVE;
        private boolean schemaEvolution;
        private String placeholder = "__debezium_unavailable_value";
        private BinaryMode binaryMode = BinaryMode.BASE64;
        private java.time.Duration foreignKeyRetry = DEFAULT_FOREIGN_KEY_RETRY;
        private java.time.Duration queryCanceledRetry = java.time.Duration.ofMinutes(2);

        private Builder(DataSource dataSource) {
            this.dataSource = dataSource;
        }

        /**
         * How long a foreign-key violation on the target ({@code SQLState 23503}) is retried before the event is
         * dead-lettered (default 30 s; {@link java.time.Duration#ZERO} turns the wait off). A target with the
         * source's foreign keys sees a child before its parent when the two tables are on different partitions
         * (applied independently): that is ordering, not a bad event, so the batch is reported as
         * {@link RetriableApplyException} (the processor rewinds the partition and applies it again after its back-off;
         * health names stage {@code target} with the SQLState) until its parent arrives. A real orphan is delayed by
         * this bound, then dead-lettered ({@code apply_failed}) with a message that names the foreign key and the
         * bound. The wait is per partition and measured from the first violation of the blocked batch; the partition's
         * later events wait with it (order is kept), other partitions go on. Events without Kafka offsets (an
         * embedded engine) are not waited for.
         *
         * @throws IllegalArgumentException naming {@code foreignKeyRetry} when negative
         */
        public Builder foreignKeyRetry(java.time.Duration bound) {
            Objects.requireNonNull(bound, "foreignKeyRetry must not be null");
            if (bound.isNegative()) {
                throw new IllegalArgumentException("foreignKeyRetry must not be negative: " + bound);
            }
            this.foreignKeyRetry = bound;
            return this;
        }

        /**
         * How long a partition's batch that fails with SQLState 57014 ({@code query_canceled}: the target's
         * {@code statement_timeout}, or {@code pg_cancel_backend}) is retried before it is no longer reported as
         * retriable (default 2 min; {@link java.time.Duration#ZERO}: not retried). Then the processor retries it
         * {@code applyRetries} times and applies it one event at a time (smaller statements); an event that is still
         * canceled is dead-lettered ({@code apply_failed}, message naming 57014 and this bound) instead of the
         * partition retrying the same batch forever. The wait is per partition, like {@link #foreignKeyRetry};
         * events without Kafka offsets (an embedded engine) are bounded by the processor's {@code applyRetries}.
         *
         * @throws IllegalArgumentException naming {@code queryCanceledRetry} when negative
         */
        public Builder queryCanceledRetry(java.time.Duration bound) {
            Objects.requireNonNull(bound, "queryCanceledRetry must not be null");
            if (bound.isNegative()) {
                throw new IllegalArgumentException("queryCanceledRetry must not be negative: " + bound);
            }
            this.queryCanceledRetry = bound;
            return this;
        }

        /** Maps an event to its target {@code schema.table}; default: the source's {@code schema.table}. */
        public Builder tableMapping(Function<ChangeEvent, String> mapping) {
            this.tableMapping = mapping;
            return this;
        }

        /** Writes every table into {@code schema}, keeping the table name. */
        public Builder targetSchema(String schema) {
            Objects.requireNonNull(schema, "targetSchema must not be null");
            this.tableMapping = e -> e.table() == null ? null : schema + "." + e.table();
            return this;
        }

        /** The key columns of a target table, instead of reading its primary key from the database. */
        public Builder primaryKey(String targetTable, String... columns) {
            if (columns.length == 0) {
                throw new IllegalArgumentException("primaryKey of " + targetTable + " needs at least one column");
            }
            primaryKeys.put(targetTable, List.of(columns));
            return this;
        }

        /**
         * The connector's {@code time.precision.mode}, used to read temporal numbers of records without a schema
         * (default {@link TimePrecisionMode#ADAPTIVE}, Debezium's default).
         */
        public Builder timePrecisionMode(TimePrecisionMode mode) {
            this.timePrecisionMode = mode;
            return this;
        }

        /**
         * The connector's {@code time.precision.mode} as written in its configuration ({@code adaptive},
         * {@code adaptive_time_microseconds}, {@code connect}, {@code isostring}).
         *
         * @throws IllegalArgumentException naming {@code timePrecisionMode} for any other value
         */
        public Builder timePrecisionMode(String connectorValue) {
            this.timePrecisionMode = TimePrecisionMode.fromConfigValue(connectorValue);
            return this;
        }

        /**
         * Whether the applier changes the target when the source's schema grows (default false), like Debezium's JDBC
         * sink with {@code schema.evolution=basic}: a column the events carry and the target lacks is added
         * ({@code ALTER TABLE ADD COLUMN IF NOT EXISTS}, type from the field's semantic type or JSON type), a missing
         * target table is created (columns from the row image, primary key from the record key). Off: such events
         * fail with {@link SchemaMismatchException} and are dead-lettered with reason {@code schema_mismatch}.
         * Columns are never dropped or retyped.
         */
        public Builder schemaEvolution(boolean enabled) {
            this.schemaEvolution = enabled;
            return this;
        }

        /**
         * The connector's {@code unavailable.value.placeholder} (default {@code __debezium_unavailable_value}): the
         * value Debezium sends for a TOASTed column an {@code UPDATE} left unchanged (also as its UTF-8 bytes for
         * binary columns, and as a one-element array for array columns). Such a column is never written: the target
         * keeps its value; an image with it of a row the target lacks fails (dead-lettered {@code apply_failed}).
         *
         * @throws IllegalArgumentException naming {@code unavailableValuePlaceholder} when blank
         */
        public Builder unavailableValuePlaceholder(String placeholder) {
            if (placeholder == null || placeholder.isEmpty()) {
                throw new IllegalArgumentException("unavailableValuePlaceholder must not be empty");
            }
            this.placeholder = placeholder;
            return this;
        }

        /**
         * The connector's {@code binary.handling.mode} as written in its configuration: {@code bytes} (default;
         * base64 in JSON), {@code base64}, {@code base64-url-safe} or {@code hex}. Strings in {@code bytea} columns
         * are decoded with it; a value that does not decode fails (dead-lettered {@code apply_failed}).
         *
         * @throws IllegalArgumentException naming {@code binaryHandlingMode} for any other value
         */
        public Builder binaryHandlingMode(String connectorValue) {
            this.binaryMode = BinaryMode.fromConfigValue(connectorValue);
            return this;
        }

        /** Validates and builds; table metadata is read lazily on first use of each table. */
        public JdbcChangeApplier build() {
            if (dataSource == null) {
                throw new IllegalArgumentException("dataSource is required");
            }
            if (tableMapping == null) {
                throw new IllegalArgumentException("tableMapping must not be null");
            }
            if (timePrecisionMode == null) {
                throw new IllegalArgumentException("timePrecisionMode must not be null");
            }
            return new JdbcChangeApplier(this);
        }
    }

}
