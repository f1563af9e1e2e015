package io.migmon.verify.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migmon.verify.CountingSocketFactory;
import io.migmon.verify.TwoPostgres;
import io.migmon.verify.VerificationReport;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import javax.sql.DataSource;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Checksum verification against the naive compare (both sides streamed in key order, compared row by row in Java),
 * in the same run, on identical tables and on tables with 100 differences: wall time and bytes read over JDBC.
 * Run with {@code mvn -B -pl migmon-verify -am test -Dexcluded.groups= -Dgroups=benchmark -Dtest=VerifyBenchmark
 * -Dsurefire.failIfNoSpecifiedTests=false [-Dverify.benchmark.rows=10000000] [-Dverify.benchmark.rounds=3]};
 * results go to stdout and {@code target/verify-benchmark.txt}.
 */
@Tag("benchmark")
class VerifyBenchmark {

    private static final int ROWS = Integer.getInteger("verify.benchmark.rows", 10_000_000);
    private static final int ROUNDS = Integer.getInteger("verify.benchmark.rounds", 3);
    private static final String COLUMNS = "id, customer, amount, status, created";

    private final List<String> lines = new ArrayList<>();
    /** Postmaster process ids of both servers: their reaped children's CPU is every backend's and worker's CPU. */
    private long[] postmasters;

    @Test
    void checksumsVersusNaiveCompare() throws Exception {
        TwoPostgres.Pair p = TwoPostgres.fresh();
        long t0 = System.nanoTime();
        String fill = MillionRowsIT.FILL.replace("(1, N)", "(1, " + ROWS + ")");
        CompletableFuture<Void> src = CompletableFuture.runAsync(() -> p.onSource(MillionRowsIT.TABLE, fill, "VACUUM ANALYZE big"));
        p.onTarget(MillionRowsIT.TABLE, fill, "VACUUM ANALYZE big");
        src.join();
        log("rows %,d loaded on both servers in %.0f s; load average %s", ROWS, (System.nanoTime() - t0) / 1e9, load());
        postmasters = new long[] {postmaster(p.source()), postmaster(p.target())};

        measure(p, "identical", 0);
        // 100 differences spread over the key space: 40 changed, 30 missing, 30 extra
        List<String> changes = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            long id = 2L * (1 + (long) i * (ROWS / 100) + 7);
            if (i % 10 < 4) {
                changes.add("UPDATE big SET status = 'changed' WHERE id = " + id);
            } else if (i % 10 < 7) {
                changes.add("DELETE FROM big WHERE id = " + id);
            } else {
                changes.add("INSERT INTO big (id, status) VALUES (" + (id + 1) + ", 'extra')");
            }
        }
        changes.add("VACUUM ANALYZE big");
        p.onTarget(changes.toArray(String[]::new));
        measure(p, "100 differences", 100);
        Path out = Path.of("target", "verify-benchmark.txt");
        Files.write(out, lines, StandardCharsets.UTF_8);
    }

    private void measure(TwoPostgres.Pair p, String label, long expectedDifferences) throws Exception {
        double[] checksumSeconds = new double[ROUNDS];
        double[] naiveSeconds = new double[ROUNDS];
        long[] checksumBytes = new long[ROUNDS];
        long[] naiveBytes = new long[ROUNDS];
        double[] floorSeconds = new double[ROUNDS];
        double[] checksumCpu = new double[ROUNDS];
        double[] naiveCpu = new double[ROUNDS];
        double[] checksumJvm = new double[ROUNDS];
        double[] naiveJvm = new double[ROUNDS];
        for (int r = 0; r < ROUNDS; r++) {
            String loadBefore = load();
            CountingSocketFactory.reset("b-src");
            CountingSocketFactory.reset("b-tgt");
            double cpu = cpuSeconds();
            double jvm = jvmCpuSeconds();
            long t = System.nanoTime();
            VerificationReport report;
            try (JdbcTableVerifier v = JdbcTableVerifier.builder("big").source(p.countingSource("b-src"))
                    .target(p.countingTarget("b-tgt")).meterRegistry(new SimpleMeterRegistry()).build()) {
                report = v.verify();
            }
            checksumSeconds[r] = (System.nanoTime() - t) / 1e9;
            checksumBytes[r] = CountingSocketFactory.read("b-src") + CountingSocketFactory.read("b-tgt");
            checksumCpu[r] = cpuSeconds() - cpu;
            checksumJvm[r] = jvmCpuSeconds() - jvm;
            assertThat(report.totalDifferences()).isEqualTo(expectedDifferences);

            CountingSocketFactory.reset("b-src");
            CountingSocketFactory.reset("b-tgt");
            cpu = cpuSeconds();
            jvm = jvmCpuSeconds();
            t = System.nanoTime();
            long naive = naiveCompare(p.countingSource("b-src"), p.countingTarget("b-tgt"));
            naiveSeconds[r] = (System.nanoTime() - t) / 1e9;
            naiveCpu[r] = cpuSeconds() - cpu;
            naiveJvm[r] = jvmCpuSeconds() - jvm;
            naiveBytes[r] = CountingSocketFactory.read("b-src") + CountingSocketFactory.read("b-tgt");
            assertThat(naive).isEqualTo(expectedDifferences);
            // the floor of any pushed-down compare here: one plain count(*) scan per side, both sides in parallel
            t = System.nanoTime();
            CompletableFuture<Void> floor = CompletableFuture.runAsync(() -> p.onSource("SELECT count(*) FROM big"));
            p.onTarget("SELECT count(*) FROM big");
            floor.join();
            floorSeconds[r] = (System.nanoTime() - t) / 1e9;
            log("%s round %d: checksums %.2f s, cpu %.2f s (JVM %.2f), %,d bytes (%d ranges, %d differing); naive "
                    + "%.2f s, cpu %.2f s (JVM %.2f), %,d bytes; count(*) floor %.2f s; load %s -> %s", label, r + 1,
                    checksumSeconds[r], checksumCpu[r], checksumJvm[r], checksumBytes[r], report.rangesCompared(),
                    report.rangesDiffering(), naiveSeconds[r], naiveCpu[r], naiveJvm[r], naiveBytes[r], floorSeconds[r],
                    loadBefore, load());
        }
        log("%s, %,d rows: checksums min/median/max %s s, bytes %s; naive %s s, bytes %s; median speed-up %.1fx, "
                + "bytes ratio %.0fx; count(*) floor %s s (naive / floor %.1fx); cpu seconds (both servers + JVM): "
                + "checksums %s, naive %s, median ratio %.1fx", label, ROWS, mmm(checksumSeconds),
                mmm(checksumBytes), mmm(naiveSeconds), mmm(naiveBytes), median(naiveSeconds) / median(checksumSeconds),
                median(naiveBytes) / median(checksumBytes), mmm(floorSeconds),
                median(naiveSeconds) / median(floorSeconds), mmm(checksumCpu), mmm(naiveCpu),
                median(naiveCpu) / median(checksumCpu));
    }

    /** Streams both sides ordered by key (fetch size 10,000) on two threads and compares row by row. */
    static long naiveCompare(DataSource source, DataSource target) throws Exception {
        BlockingQueue<List<String[]>> sq = new ArrayBlockingQueue<>(8);
        BlockingQueue<List<String[]>> tq = new ArrayBlockingQueue<>(8);
        CompletableFuture<Void> s = CompletableFuture.runAsync(() -> stream(source, sq));
        CompletableFuture<Void> t = CompletableFuture.runAsync(() -> stream(target, tq));
        Cursor a = new Cursor(sq);
        Cursor b = new Cursor(tq);
        long differences = 0;
        String[] x = a.next();
        String[] y = b.next();
        while (x != null || y != null) {
            int c = x == null ? 1 : y == null ? -1 : Long.compare(Long.parseLong(x[0]), Long.parseLong(y[0]));
            if (c < 0) {
                differences++;
                x = a.next();
            } else if (c > 0) {
                differences++;
                y = b.next();
            } else {
                if (!Arrays.equals(x, y)) {
                    differences++;
                }
                x = a.next();
                y = b.next();
            }
        }
        s.join();
        t.join();
        return differences;
    }

    private static final List<String[]> END = List.of();

    private static void stream(DataSource ds, BlockingQueue<List<String[]>> q) {
        try (Connection c = ds.getConnection()) {
            c.setAutoCommit(false);
            try (Statement st = c.createStatement()) {
                st.execute("SET TimeZone = 'UTC'");
                st.setFetchSize(10_000);
                try (ResultSet rs = st.executeQuery("SELECT " + COLUMNS + " FROM big ORDER BY id")) {
                    List<String[]> batch = new ArrayList<>(10_000);
                    while (rs.next()) {
                        String[] row = new String[5];
                        for (int i = 0; i < 5; i++) {
                            row[i] = rs.getString(i + 1);
                        }
                        batch.add(row);
                        if (batch.size() == 10_000) {
                            q.put(batch);
                            batch = new ArrayList<>(10_000);
                        }
                    }
                    if (!batch.isEmpty()) {
                        q.put(batch);
                    }
                }
            }
            c.commit();
            q.put(END);
        } catch (SQLException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    private static final class Cursor {
        private final BlockingQueue<List<String[]>> q;
        private List<String[]> batch = new ArrayList<>();
        private int i;
        private boolean done;

        Cursor(BlockingQueue<List<String[]>> q) {
            this.q = q;
        }

        String[] next() throws InterruptedException {
            while (!done && i >= batch.size()) {
                batch = q.take();
                i = 0;
                if (batch == END) {
                    done = true;
                }
            }
            return done ? null : batch.get(i++);
        }
    }

    private void log(String format, Object... args) {
        String line = String.format(Locale.ROOT, format, args);
        System.out.println("BENCH " + line);
        lines.add(line);
    }

    /** The server's postmaster process id (first line of postmaster.pid in its data directory). */
    private static long postmaster(DataSource ds) throws SQLException, IOException {
        try (Connection c = ds.getConnection(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SHOW data_directory")) {
            rs.next();
            return Long.parseLong(Files.readAllLines(Path.of(rs.getString(1), "postmaster.pid")).get(0).trim());
        }
    }

    /**
     * CPU seconds so far of this JVM and of both servers' exited backends and parallel workers (the postmaster's
     * reaped children: utime + stime + cutime + cstime of /proc/PID/stat). Sessions end before a method's time is
     * taken; the 200 ms pause lets the postmaster reap them.
     */
    private double cpuSeconds() throws InterruptedException {
        Thread.sleep(200);
        double jvm = jvmCpuSeconds();
        double servers = 0;
        for (long pid : postmasters) {
            try {
                String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                // fields 14-17 of stat (utime, stime, cutime, cstime) are 11-14 after the command name
                servers += (Long.parseLong(f[11]) + Long.parseLong(f[12]) + Long.parseLong(f[13])
                        + Long.parseLong(f[14])) / 100.0;
            } catch (IOException e) {
                return Double.NaN;
            }
        }
        return jvm + servers;
    }

    private static double jvmCpuSeconds() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getProcessCpuTime() / 1e9;
    }

    private static String load() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim().split(" ")[0];
        } catch (IOException e) {
            return "?";
        }
    }

    private static String mmm(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return String.format(Locale.ROOT, "%.2f/%.2f/%.2f", s[0], median(v), s[s.length - 1]);
    }

    private static String mmm(long[] v) {
        long[] s = v.clone();
        Arrays.sort(s);
        return String.format(Locale.ROOT, "%,d/%,d/%,d", s[0], (long) median(v), s[s.length - 1]);
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static double median(long[] v) {
        return median(Arrays.stream(v).asDoubleStream().toArray());
    }
}
