package io.migmon.core.anomaly;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Feeds an {@link AttackTrace} to a monitor on a schedule, with declared pauses; collects what fired. */
final class AttackHarness {

    static final Instant T0 = Instant.parse("2026-03-02T00:00:00Z");

    /** A firing or resolution, at seconds from the trace start. */
    record Event(String type, double at, boolean firing, String message) {
    }

    private AttackHarness() {
    }

    static AnomalyMonitor monitor(AnomalyDetector... detectors) {
        AnomalyMonitor.Builder b = AnomalyMonitor.builder("attack").meterRegistry(new SimpleMeterRegistry());
        if (detectors.length == 0) {
            b.defaultDetectors();
        }
        for (AnomalyDetector d : detectors) {
            b.detector(d);
        }
        return b.build();
    }

    /** Feeds every scheduled sample; {@code pauses} are {start, end} seconds declared on the monitor. */
    static List<Event> feed(AttackTrace trace, double[] schedule, AnomalyMonitor m, double[]... pauses) {
        List<Event> out = new ArrayList<>();
        boolean[] started = new boolean[pauses.length];
        boolean[] ended = new boolean[pauses.length];
        for (double t : schedule) {
            for (int p = 0; p < pauses.length; p++) {
                if (!started[p] && t >= pauses[p][0]) {
                    started[p] = true;
                    collect(out, m.active(), t, false);
                    Instant at = T0.plusMillis(Math.round(pauses[p][0] * 1000));
                    m.pause(at, "attack pause " + p);
                }
                if (started[p] && !ended[p] && t >= pauses[p][1]) {
                    ended[p] = true;
                    m.resume(T0.plusMillis(Math.round(pauses[p][1] * 1000)));
                }
            }
            collect(out, m.sample(trace.sampleAt(T0, t)), t, true);
        }
        return out;
    }

    private static void collect(List<Event> out, List<Anomaly> events, double t, boolean all) {
        if (!all) {
            return;
        }
        for (Anomaly a : events) {
            double at = (a.at().toEpochMilli() - T0.toEpochMilli()) / 1e3;
            out.add(new Event(a.type(), at, a.firing(), a.message()));
        }
    }

    static List<Event> firings(List<Event> events) {
        return events.stream().filter(Event::firing).toList();
    }

    static List<Event> firings(List<Event> events, String type) {
        return events.stream().filter(e -> e.firing() && e.type().equals(type)).toList();
    }
}
