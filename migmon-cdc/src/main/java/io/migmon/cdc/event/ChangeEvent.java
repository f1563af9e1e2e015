package io.migmon.cdc.event;

import io.migmon.cdc.CdcRecord;

import java.util.Map;
import java.util.Objects;

/**
 * A parsed Debezium record: a row change, a tombstone, a heartbeat or a transaction boundary. Immutable.
 *
 * <p>Only what migmon needs is extracted (operation, {@code source} block, timestamps, transaction block). The row
 * images {@link #beforeJson()} and {@link #afterJson()} are the raw JSON objects of the envelope, captured only when
 * the processor applies changes (observe-only processing skips them without building a tree).
 *
 * <p>Timestamps are epoch nanoseconds at the precision Debezium provided ({@code ts_ns} over {@code ts_us} over
 * {@code ts_ms}), {@code -1} when absent.
 */
public final class ChangeEvent {

    /** What kind of record this is. */
    public enum Kind {
        /** A row change with an {@link Operation}. */
        CHANGE,
        /** The null-valued record Debezium emits after a delete so that compaction can drop the key. */
        TOMBSTONE,
        /** A record of the heartbeat topic ({@code __debezium-heartbeat.<prefix>}). */
        HEARTBEAT,
        /** A BEGIN or END record of the transaction metadata topic ({@code <prefix>.transaction}). */
        TRANSACTION
    }

    private final CdcRecord record;
    private final Kind kind;
    private final Operation operation;
    private final String sourceName;
    private final String connector;
    private final String database;
    private final String schema;
    private final String table;
    private final String snapshot;
    private final long sourceTsNanos;
    private final long eventTsNanos;
    private final String lsn;
    private final String sequence;
    private final String txId;
    private final String transactionId;
    private final long transactionTotalOrder;
    private final long transactionDataCollectionOrder;
    private final String transactionStatus;
    private final long transactionEventCount;
    private final Map<String, Long> transactionDataCollections;
    private final String beforeJson;
    private final String afterJson;
    private final Map<String, String> rowFieldTypes;

    private ChangeEvent(Builder b) {
        this.record = Objects.requireNonNull(b.record, "record must not be null");
        this.kind = Objects.requireNonNull(b.kind, "kind must not be null");
        if (kind == Kind.CHANGE && b.operation == null) {
            throw new IllegalArgumentException("a CHANGE event needs an operation");
        }
        this.operation = b.operation;
        this.sourceName = b.sourceName;
        this.connector = b.connector;
        this.database = b.database;
        this.schema = b.schema;
        this.table = b.table;
        this.snapshot = b.snapshot;
        this.sourceTsNanos = b.sourceTsNanos;
        this.eventTsNanos = b.eventTsNanos;
        this.lsn = b.lsn;
        this.sequence = b.sequence;
        this.txId = b.txId;
        this.transactionId = b.transactionId;
        this.transactionTotalOrder = b.transactionTotalOrder;
        this.transactionDataCollectionOrder = b.transactionDataCollectionOrder;
        this.transactionStatus = b.transactionStatus;
        this.transactionEventCount = b.transactionEventCount;
        this.transactionDataCollections = b.transactionDataCollections == null ? Map.of()
                : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(b.transactionDataCollections));
        this.beforeJson = b.beforeJson;
        this.afterJson = b.afterJson;
        this.rowFieldTypes = b.rowFieldTypes == null ? null : Map.copyOf(b.rowFieldTypes);
    }

    /** A builder, for appliers' tests and adapters. */
    public static Builder builder(CdcRecord record, Kind kind) {
        return new Builder(record, kind);
    }

    /** The record this event was parsed from. */
    public CdcRecord record() {
        return record;
    }

    /** What kind of record this is. */
    public Kind kind() {
        return kind;
    }

    /** The operation of a {@link Kind#CHANGE}, {@code null} for other kinds. */
    public Operation operation() {
        return operation;
    }

    /** {@code source.name}: the connector's logical name / topic prefix; may be {@code null}. */
    public String sourceName() {
        return sourceName;
    }

    /** {@code source.connector}, e.g. {@code postgresql}; may be {@code null}. */
    public String connector() {
        return connector;
    }

    /** {@code source.db}; may be {@code null}. */
    public String database() {
        return database;
    }

    /** {@code source.schema}; {@code null} for connectors without schemas (MongoDB). */
    public String schema() {
        return schema;
    }

    /** {@code source.table} or {@code source.collection}; may be {@code null}. */
    public String table() {
        return table;
    }

    /**
     * The qualified table: {@code schema.table}, or {@code db.collection} when there is no schema, or the table
     * alone; {@code null} when the event names no table.
     */
    public String qualifiedTable() {
        if (table == null) {
            return null;
        }
        if (schema != null) {
            return schema + "." + table;
        }
        return database != null ? database + "." + table : table;
    }

    /** {@code source.snapshot} ({@code true}, {@code first}, {@code last}, {@code false}, ...), may be {@code null}. */
    public String snapshot() {
        return snapshot;
    }

    /** Whether the event was read by a snapshot (snapshot flag set and not {@code false}). */
    public boolean isSnapshot() {
        return snapshot != null && !"false".equals(snapshot);
    }

    /** Commit time in the source database ({@code source.ts_*}), epoch nanoseconds, or {@code -1}. */
    public long sourceTsNanos() {
        return sourceTsNanos;
    }

    /**
     * When the connector processed the event (envelope {@code ts_*}; for heartbeats and transaction records their
     * {@code ts_ms}), epoch nanoseconds, or {@code -1}.
     */
    public long eventTsNanos() {
        return eventTsNanos;
    }

    /** {@code source.lsn} as text (PostgreSQL), or {@code null}. */
    public String lsn() {
        return lsn;
    }

    /**
     * {@code source.sequence} as text, or {@code null}: with PostgreSQL a JSON array of two LSNs as strings, the last
     * commit's and this change's ({@code ["24023928","24023976"]}), increasing in the order the connector emits
     * changes.
     */
    public String sequence() {
        return sequence;
    }

    /** {@code source.txId} as text, or {@code null}. */
    public String txId() {
        return txId;
    }

    /** {@code transaction.id} of a change, or {@code id} of a transaction record; {@code null} if absent. */
    public String transactionId() {
        return transactionId;
    }

    /** {@code transaction.total_order} of a change, {@code -1} if absent. */
    public long transactionTotalOrder() {
        return transactionTotalOrder;
    }

    /**
     * {@code transaction.data_collection_order} of a change (its 1-based position among its transaction's changes of
     * its table, the table's last one equal to that table's {@code event_count} in the {@code END}'s
     * {@code data_collections}), {@code -1} if absent.
     */
    public long transactionDataCollectionOrder() {
        return transactionDataCollectionOrder;
    }

    /** {@code BEGIN} or {@code END} for a {@link Kind#TRANSACTION} record, otherwise {@code null}. */
    public String transactionStatus() {
        return transactionStatus;
    }

    /** {@code event_count} of a transaction END record, {@code -1} otherwise. */
    public long transactionEventCount() {
        return transactionEventCount;
    }

    /**
     * {@code data_collections} of a transaction END record: the events of the transaction per table
     * ({@code data_collection}, e.g. {@code public.orders}, → its {@code event_count}), in the record's order; empty
     * for other records or an END without them. Unmodifiable.
     */
    public Map<String, Long> transactionDataCollections() {
        return transactionDataCollections;
    }

    /** The {@code before} row image as JSON, or {@code null} (absent, null, or not captured). */
    public String beforeJson() {
        return beforeJson;
    }

    /** The {@code after} row image as JSON, or {@code null} (absent, null, or not captured). */
    public String afterJson() {
        return afterJson;
    }

    /**
     * The semantic type names ({@code name} in the Kafka Connect schema, e.g. {@code io.debezium.time.MicroTimestamp})
     * of the row image's fields that have one, by field name, when the record carried the {@code schema}/{@code payload}
     * wrapper and rows were captured; {@code null} when the record had no schema (then appliers infer types from the
     * target). Two more entries describe fields without a semantic type: {@code bytes} for a binary field (Kafka
     * Connect type {@code bytes}), and for an array the element's semantic type, else its Connect type, followed by
     * {@code []} (e.g. {@code io.debezium.time.Date[]}, {@code bytes[]}, {@code int32[]}). Other fields without a
     * semantic type are absent.
     */
    public Map<String, String> rowFieldTypes() {
        return rowFieldTypes;
    }

    @Override
    public String toString() {
        // no row images: they may carry personal data
        return "ChangeEvent{" + kind + (operation == null ? "" : " " + operation.code()) + " "
                + qualifiedTable() + " " + record + "}";
    }

    /** Builds a {@link ChangeEvent}. Not thread-safe. */
    public static final class Builder {
        private final CdcRecord record;
        private final Kind kind;
        private Operation operation;
        private String sourceName;
        private String connector;
        private String database;
        private String schema;
        private String table;
        private String snapshot;
        private long sourceTsNanos = -1;
        private long eventTsNanos = -1;
        private String lsn;
        private String sequence;
        private String txId;
        private String transactionId;
        private long transactionTotalOrder = -1;
        private long transactionDataCollectionOrder = -1;
        private String transactionStatus;
        private long transactionEventCount = -1;
        private Map<String, Long> transactionDataCollections;
        private String beforeJson;
        private String afterJson;
        private Map<String, String> rowFieldTypes;

        private Builder(CdcRecord record, Kind kind) {
            this.record = record;
            this.kind = kind;
        }

        /** Sets {@link ChangeEvent#operation()}. */
        public Builder operation(Operation v) {
            this.operation = v;
            return this;
        }

        /** Sets {@link ChangeEvent#sourceName()}. */
        public Builder sourceName(String v) {
            this.sourceName = v;
            return this;
        }

        /** Sets {@link ChangeEvent#connector()}. */
        public Builder connector(String v) {
            this.connector = v;
            return this;
        }

        /** Sets {@link ChangeEvent#database()}. */
        public Builder database(String v) {
            this.database = v;
            return this;
        }

        /** Sets {@link ChangeEvent#schema()}. */
        public Builder schema(String v) {
            this.schema = v;
            return this;
        }

        /** Sets {@link ChangeEvent#table()}. */
        public Builder table(String v) {
            this.table = v;
            return this;
        }

        /** Sets {@link ChangeEvent#snapshot()}. */
        public Builder snapshot(String v) {
            this.snapshot = v;
            return this;
        }

        /** Sets {@link ChangeEvent#sourceTsNanos()}. */
        public Builder sourceTsNanos(long v) {
            this.sourceTsNanos = v;
            return this;
        }

        /** Sets {@link ChangeEvent#eventTsNanos()}. */
        public Builder eventTsNanos(long v) {
            this.eventTsNanos = v;
            return this;
        }

        /** Sets {@link ChangeEvent#sequence()}. */
        public Builder sequence(String v) {
            this.sequence = v;
            return this;
        }

        /** Sets {@link ChangeEvent#lsn()}. */
        public Builder lsn(String v) {
            this.lsn = v;
            return this;
        }

        /** Sets {@link ChangeEvent#txId()}. */
        public Builder txId(String v) {
            this.txId = v;
            return this;
        }

        /** Sets {@link ChangeEvent#transactionId()}. */
        public Builder transactionId(String v) {
            this.transactionId = v;
            return this;
        }

        /** Sets {@link ChangeEvent#transactionTotalOrder()}. */
        public Builder transactionTotalOrder(long v) {
            this.transactionTotalOrder = v;
            return this;
        }

        /** Sets {@link ChangeEvent#transactionDataCollectionOrder()}. */
        public Builder transactionDataCollectionOrder(long v) {
            this.transactionDataCollectionOrder = v;
            return this;
        }

        /** Sets {@link ChangeEvent#transactionStatus()}. */
        public Builder transactionStatus(String v) {
            this.transactionStatus = v;
            return this;
        }

        /** Sets {@link ChangeEvent#transactionEventCount()}. */
        public Builder transactionEventCount(long v) {
            this.transactionEventCount = v;
            return this;
        }

        /** Sets {@link ChangeEvent#transactionDataCollections()} ({@code null}: none). */
        public Builder transactionDataCollections(Map<String, Long> v) {
            this.transactionDataCollections = v;
            return this;
        }

        /** Sets {@link ChangeEvent#beforeJson()}. */
        public Builder beforeJson(String v) {
            this.beforeJson = v;
            return this;
        }

        /** Sets {@link ChangeEvent#afterJson()}. */
        public Builder afterJson(String v) {
            this.afterJson = v;
            return this;
        }

        /** Sets {@link ChangeEvent#rowFieldTypes()} ({@code null}: the record had no schema). */
        public Builder rowFieldTypes(Map<String, String> v) {
            this.rowFieldTypes = v;
            return this;
        }

        /** Builds the event; a CHANGE needs an operation. */
        public ChangeEvent build() {
            return new ChangeEvent(this);
        }
    }
}
