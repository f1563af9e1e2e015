package io.migmon.mongo;

import com.mongodb.reactivestreams.client.MongoClient;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migmon.mongo.internal.Reactive;
import java.time.Duration;
import org.bson.Document;

/**
 * A runner in its own JVM, for the two-JVM lock tests: {@code <uri> <database> <owner> <lockTtlMillis> <mode>}.
 * Mode {@code hang}: version 1 writes its marker, prints {@code INSIDE} and never returns (the test kills the JVM).
 * Mode {@code run}: versions 1 (slow) and 2 write their markers; prints {@code REPORT applied=.. skipped=..}.
 */
final class LockHolderMain {

    private LockHolderMain() {
    }

    public static void main(String[] args) throws Exception {
        String uri = args[0];
        String db = args[1];
        String owner = args[2];
        Duration ttl = Duration.ofMillis(Long.parseLong(args[3]));
        boolean hang = "hang".equals(args[4]);
        try (MongoClient client = MongoServers.client(uri);
             MongoMigrationRunner runner = MongoMigrationRunner.builder().client(client).database(db)
                     .meterRegistry(new SimpleMeterRegistry()).owner(owner).lockTtl(ttl)
                     .lockWait(Duration.ofSeconds(60)).lockPollInterval(Duration.ofMillis(50))
                     .migrations(markerMigrations(hang ? Duration.ofDays(1) : Duration.ofMillis(1500), hang))
                     .build()) {
            System.out.println("STARTED");
            MongoRunReport report = runner.run();
            System.out.println("REPORT applied=" + report.applied() + " skipped=" + report.skipped());
        }
    }

    /**
     * Version 1 inserts a marker {@code {version: "1", owner}} into {@code executions} (outside any transaction, so
     * a killed attempt's marker stays visible), then waits {@code pause}; version 2 inserts its marker.
     */
    static MongoMigration[] markerMigrations(Duration pause, boolean announce) {
        return new MongoMigration[] {
            TestMigration.of("1", "marker then pause", ctx -> {
                ctx.await(ctx.collection("executions").insertOne(new Document("version", "1")
                        .append("owner", ownerOf(ctx))));
                ctx.documents("executions", 1);
                if (announce) {
                    System.out.println("INSIDE");
                    System.out.flush();
                }
                Thread.sleep(pause.toMillis());
            }).nonTransactional(),
            TestMigration.of("2", "marker", ctx -> {
                ctx.await(ctx.collection("executions").insertOne(new Document("version", "2")
                        .append("owner", ownerOf(ctx))));
                ctx.documents("executions", 1);
            }).nonTransactional()
        };
    }

    private static String ownerOf(MongoMigrationContext ctx) {
        Document lock = Reactive.first(ctx.collection("migmon_lock").find(), Duration.ofSeconds(30));
        return lock == null ? "?" : lock.getString("owner");
    }
}
