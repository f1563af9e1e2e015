package io.migmon.core.anomaly.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The paired statistic of the ETA evaluation, on inputs whose answers are known. */
class EtaPairedStatsTest {

    @Test
    void tQuantilesMatchTheTables() {
        // two-sided 95%: Student's t tables
        assertThat(EtaPairedStats.tQuantile(0.95, 1)).isCloseTo(12.706, within(0.001));
        assertThat(EtaPairedStats.tQuantile(0.95, 2)).isCloseTo(4.303, within(0.001));
        assertThat(EtaPairedStats.tQuantile(0.95, 9)).isCloseTo(2.262, within(0.001));
        assertThat(EtaPairedStats.tQuantile(0.95, 10)).isCloseTo(2.228, within(0.001));
        assertThat(EtaPairedStats.tQuantile(0.95, 39)).isCloseTo(2.023, within(0.001));
        // two-sided 99%, 30 degrees of freedom
        assertThat(EtaPairedStats.tQuantile(0.99, 30)).isCloseTo(2.750, within(0.001));
    }

    @Test
    void aPairedTIntervalOfAKnownSample() {
        double[] d = {1, 2, 3, 4, 5}; // mean 3, sd 1.5811, t(4) 2.7764
        double[] t = EtaPairedStats.tInterval(d, 0.95);
        assertThat(t[0]).isCloseTo(3 - 1.9632, within(0.001));
        assertThat(t[1]).isCloseTo(3 + 1.9632, within(0.001));
        double[] b = EtaPairedStats.bootstrapInterval(d, 10_000, 1);
        assertThat(b[0]).isBetween(1.0, 3.0);
        assertThat(b[1]).isBetween(3.0, 5.0);
        assertThat(EtaPairedStats.bootstrapInterval(d, 10_000, 1)).containsExactly(b); // deterministic
    }

    @Test
    void cellsArePairedBySeedAndJudgedByTheInterval() {
        Map<String, Map<String, EtaEvaluation.Errors>> result = new LinkedHashMap<>();
        for (String name : EtaPairedStats.COMPARED) {
            EtaEvaluation.Errors migmon = new EtaEvaluation.Errors();
            EtaEvaluation.Errors average = new EtaEvaluation.Errors();
            for (int s = 0; s < 20; s++) {
                double noise = 0.01 * (s % 5);
                // cold-start: migmon 2 points worse on every seed at mark 0, with a seed-level noise shared by both;
                // one seed where migmon gives no ETA at mark 1; elsewhere identical
                migmon.perSeedMarks.add(new double[] {
                        name.equals("cold-start") ? 0.05 + noise : 0.03 + noise,
                        name.equals("cold-start") && s == 0 ? Double.NaN : 0.04,
                        0.02, name.equals("stall") ? (s % 2 == 0 ? 0.02 : 0.035) : 0.03, 0.01});
                average.perSeedMarks.add(new double[] {0.03 + noise, 0.04, 0.02, 0.03, 0.01});
            }
            Map<String, EtaEvaluation.Errors> m = new LinkedHashMap<>();
            m.put("migmon", migmon);
            m.put("cumulative average", average);
            result.put(name, m);
        }
        List<EtaPairedStats.Cell> cells = EtaPairedStats.compare(result, new int[] {5});
        assertThat(cells).hasSize(EtaPairedStats.COMPARED.length * EtaEvaluation.MARKS.length);
        EtaPairedStats.Cell cold10 = cells.stream().filter(c -> c.scenario().equals("cold-start") && c.mark() == 0)
                .findFirst().orElseThrow();
        assertThat(cold10.pairs()).isEqualTo(20);
        assertThat(cold10.mean()).isCloseTo(0.02, within(1e-12));
        assertThat(cold10.worse()).isTrue();
        assertThat(cold10.worseFamilyWise()).isTrue();
        assertThat(cold10.literalWorse()).isTrue();
        EtaPairedStats.Cell cold25 = cells.stream().filter(c -> c.scenario().equals("cold-start") && c.mark() == 1)
                .findFirst().orElseThrow();
        assertThat(cold25.pairs()).isEqualTo(19);
        assertThat(cold25.onlyAverage()).isEqualTo(1);
        assertThat(cold25.identical()).isFalse();
        // stall at 75%: migmon 1 point better on half the seeds, 0.5 point worse on the others: no evidence either way
        EtaPairedStats.Cell stall75 = cells.stream().filter(c -> c.scenario().equals("stall") && c.mark() == 3)
                .findFirst().orElseThrow();
        assertThat(stall75.worse()).isFalse();
        assertThat(stall75.better()).isFalse();
        assertThat(stall75.verdict()).isEqualTo("no evidence");
        assertThat(stall75.mean()).isCloseTo(-0.0025, within(1e-12));
        assertThat(stall75.migmonBetter()).isEqualTo(10);
        assertThat(stall75.averageBetter()).isEqualTo(10);
        long identical = cells.stream().filter(EtaPairedStats.Cell::identical).count();
        assertThat(identical).isEqualTo(cells.size() - 3);
        assertThat(cells.stream().filter(c -> c.identical() && (c.worse() || c.better()))).isEmpty();
        assertThat(EtaPairedStats.markdown(cells)).contains("| cold-start | 10% | 20 |").contains("**worse**");
    }
}
