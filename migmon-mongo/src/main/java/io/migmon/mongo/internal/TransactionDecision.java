package io.migmon.mongo.internal;

import com.mongodb.reactivestreams.client.MongoClient;
import com.mongodb.reactivestreams.client.MongoDatabase;
import io.migmon.mongo.MongoMigrationException;
import io.migmon.mongo.TransactionPolicy;
import java.time.Duration;
import org.bson.Document;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the server can do ({@code hello}, or legacy {@code isMaster}) and what the {@link TransactionPolicy} makes of
 * it: whether this run's migrations may use transactions.
 *
 * @param server        what the server said
 * @param transactional whether migrations run in transactions (each migration may still opt out)
 */
public record TransactionDecision(ServerInfo server, boolean transactional) {

    private static final Logger LOG = LoggerFactory.getLogger("io.migmon.mongo");

    /**
     * Probes the server and decides.
     *
     * @throws MongoMigrationException with {@code TRANSACTIONS_UNSUPPORTED} when the policy is {@code REQUIRED} and
     *                                 the server cannot do transactions
     */
    public static TransactionDecision probe(MongoClient client, TransactionPolicy policy, String database, Duration timeout) {
        return decide(serverInfo(client, timeout), policy, database);
    }

    /** Decides for a known server. */
    public static TransactionDecision decide(ServerInfo server, TransactionPolicy policy, String database) {
        switch (policy) {
            case NEVER:
                return new TransactionDecision(server, false);
            case REQUIRED:
                if (!server.transactions()) {
                    throw new MongoMigrationException(MongoMigrationException.Reason.TRANSACTIONS_UNSUPPORTED,
                            "transactionPolicy=REQUIRED but the server is " + server.topology()
                                    + (server.sessions() ? "" : " without sessions")
                                    + " (hello has no setName / msg=isdbgrid): transactions need a replica set or a sharded cluster",
                            null, null);
                }
                return new TransactionDecision(server, true);
            default:
                if (!server.transactions()) {
                    LOG.atWarn().addKeyValue("transactional", false).addKeyValue("topology", server.topology())
                            .log("MongoDB server of {} is {}: migrations run WITHOUT transactions (transactional=false); "
                                    + "a failing migration can leave partial writes", database, server.topology());
                }
                return new TransactionDecision(server, server.transactions());
        }
    }

    private static ServerInfo serverInfo(MongoClient client, Duration timeout) {
        MongoDatabase admin = client.getDatabase("admin");
        Document hello;
        try {
            hello = Reactive.first(admin.runCommand(new Document("hello", 1)), timeout);
        } catch (RuntimeException e) {
            hello = Reactive.first(admin.runCommand(new Document("isMaster", 1)), timeout);
        }
        return ServerInfo.fromHello(hello == null ? new Document() : hello);
    }
}
