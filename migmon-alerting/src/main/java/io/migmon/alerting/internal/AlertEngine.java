package io.migmon.alerting.internal;

import io.migmon.alerting.Alert;
import io.migmon.alerting.Hysteresis;
import io.migmon.alerting.InhibitRule;
import io.migmon.alerting.Route;
import io.migmon.alerting.Silence;
import io.migmon.alerting.spi.Notification;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The Alertmanager-like state machine: hysteresis per fingerprint, routing, groups with group_wait /
 * group_interval / repeat_interval, resolved notifications, silences and inhibition. Pure logic on an explicit
 * {@code now}; not thread-safe (the dispatcher serialises calls).
 */
public final class AlertEngine {

    private final List<Route> routes;
    private final Route defaultRoute;
    private final Hysteresis hysteresis;
    private final List<InhibitRule> inhibitRules;
    private final Map<String, Tracked> tracked = new LinkedHashMap<>();
    private final Map<String, Group> groups = new LinkedHashMap<>();
    private final Map<String, Silence> silences = new LinkedHashMap<>();

    public AlertEngine(List<Route> routes, Route defaultRoute, Hysteresis hysteresis, List<InhibitRule> inhibitRules) {
        this.routes = List.copyOf(routes);
        this.defaultRoute = defaultRoute;
        this.hysteresis = hysteresis;
        this.inhibitRules = List.copyOf(inhibitRules);
    }

    private static final class Tracked {
        Alert alert;
        int trueCount;
        int falseCount;
        Instant pendingSince;
        boolean active;
    }

    private static final class Group {
        final Route route;
        final String key;
        final Map<String, String> groupLabels;
        final Map<String, Alert> alerts = new LinkedHashMap<>();
        Set<String> notifiedFiring = new HashSet<>();
        final Set<String> everNotified = new HashSet<>();
        Instant nextFlush;
        Instant lastNotify;

        Group(Route route, String key, Map<String, String> groupLabels, Instant nextFlush) {
            this.route = route;
            this.key = key;
            this.groupLabels = groupLabels;
            this.nextFlush = nextFlush;
        }
    }

    /**
     * Applies a run of {@code s.count()} consecutive evaluations with the same result (one queued entry). When
     * {@code s.restarted()}, an opposite evaluation preceded the run and is honoured as far as counters go: a
     * pending alert is forgotten before a true run, an active alert's false count restarts. A fire/resolve threshold
     * that such an overwritten run crossed and the run after it undid within one tick is not replayed (latest
     * state wins).
     */
    public void apply(Signal s) {
        String fp = s.alert().fingerprint();
        if (s.firing()) {
            Tracked t = tracked.get(fp);
            if (t != null && s.restarted() && !t.active) {
                tracked.remove(fp); // the false evaluation before this run cleared the pending alert
                t = null;
            }
            if (t == null) {
                t = new Tracked();
                tracked.put(fp, t);
            }
            t.falseCount = 0;
            if (t.active) {
                // dedup: already active; keep the original start, refresh annotations in its groups
                Alert refreshed = s.alert().toBuilder().startsAt(t.alert.startsAt()).endsAt(null).build();
                t.alert = refreshed;
                forEachGroupOf(refreshed, g -> g.alerts.computeIfPresent(fp, (k, old) -> refreshed));
                return;
            }
            t.alert = s.alert();
            if (t.pendingSince == null) {
                t.pendingSince = s.since();
            }
            // the run's first evaluation is when the alert fires if it already meets the thresholds (exact, as
            // when evaluated one by one); otherwise the run's last one (within the same tick)
            Instant when = t.trueCount + 1 >= hysteresis.fireAfter() && held(t.pendingSince, s.since())
                    ? s.since() : s.at();
            t.trueCount = add(t.trueCount, s.count());
            if (t.trueCount >= hysteresis.fireAfter() && held(t.pendingSince, s.at())) {
                t.active = true;
                Instant start = s.alert().startsAt() != null ? s.alert().startsAt() : t.pendingSince;
                t.alert = s.alert().toBuilder().startsAt(start).endsAt(null).build();
                activate(t.alert, when);
            }
        } else {
            Tracked t = tracked.get(fp);
            if (t == null) {
                return;
            }
            if (!t.active) {
                tracked.remove(fp); // pending alert cleared before it fired: forget it (flap suppressed)
                return;
            }
            t.trueCount = 0;
            int before = s.restarted() ? 0 : t.falseCount;
            t.falseCount = add(before, s.count());
            if (t.falseCount >= hysteresis.resolveAfter()) {
                tracked.remove(fp);
                // ends at the run's first evaluation when that one resolves it (exact), else at the run's last
                Alert resolved = t.alert.resolvedAt(before + 1 >= hysteresis.resolveAfter() ? s.since() : s.at());
                forEachGroupOf(resolved, g -> g.alerts.computeIfPresent(fp, (k, old) -> resolved));
            }
        }
    }

    private boolean held(Instant pendingSince, Instant at) {
        return !Duration.between(pendingSince, at).minus(hysteresis.forDuration()).isNegative();
    }

    private static int add(int a, int b) {
        return (int) Math.min(Integer.MAX_VALUE, (long) a + b);
    }

    private void activate(Alert alert, Instant now) {
        for (Route r : routesFor(alert)) {
            Map<String, String> gl = groupLabels(r, alert);
            String key = groupKey(r, gl);
            Group g = groups.computeIfAbsent(key, k -> new Group(r, k, gl, now.plus(r.groupWait())));
            g.alerts.put(alert.fingerprint(), alert);
        }
    }

    private void forEachGroupOf(Alert alert, java.util.function.Consumer<Group> c) {
        for (Route r : routesFor(alert)) {
            Group g = groups.get(groupKey(r, groupLabels(r, alert)));
            if (g != null) {
                c.accept(g);
            }
        }
    }

    /** The routes an alert goes to: in order, first match wins unless it continues; the default when none. */
    public List<Route> routesFor(Alert alert) {
        List<Route> out = new ArrayList<>(2);
        for (Route r : routes) {
            if (r.matcher().matches(alert)) {
                out.add(r);
                if (!r.continueMatching()) {
                    break;
                }
            }
        }
        if (out.isEmpty() && defaultRoute != null) {
            out.add(defaultRoute);
        }
        return out;
    }

    private String groupKey(Route r, Map<String, String> gl) {
        int i = r == defaultRoute ? routes.size() : routes.indexOf(r);
        return r.name() + "/" + i + gl;
    }

    private static Map<String, String> groupLabels(Route r, Alert a) {
        if (r.groupBy().contains(Route.ALL_LABELS)) {
            return new TreeMap<>(a.identityLabels());
        }
        Map<String, String> m = new TreeMap<>();
        for (String l : r.groupBy()) {
            String v = a.label(l);
            m.put(l, v == null ? "" : v);
        }
        return m;
    }

    /** Produces the notifications due at {@code now} (or every pending change when {@code all}). */
    public List<Notification> flush(Instant now, boolean all) {
        silences.values().removeIf(s -> !now.isBefore(s.endsAt()));
        List<Notification> out = new ArrayList<>();
        Iterator<Group> it = groups.values().iterator();
        while (it.hasNext()) {
            Group g = it.next();
            if (!all && now.isBefore(g.nextFlush)) {
                continue;
            }
            List<Alert> firing = new ArrayList<>();
            List<Alert> resolved = new ArrayList<>();
            Set<String> firingFps = new HashSet<>();
            for (Alert a : g.alerts.values()) {
                if (a.resolved()) {
                    // a resolution is sent for every alert sinks have heard firing, even if muted since: no dangling incidents
                    if (g.route.sendResolved() && g.everNotified.contains(a.fingerprint())) {
                        resolved.add(a);
                    }
                } else if (!muted(a, now)) {
                    firing.add(a);
                    firingFps.add(a.fingerprint());
                }
            }
            boolean changed = !resolved.isEmpty() || !g.notifiedFiring.containsAll(firingFps);
            boolean repeat = !changed && !all && !firing.isEmpty() && g.lastNotify != null
                    && !now.isBefore(g.lastNotify.plus(g.route.repeatInterval()));
            if (changed || repeat) {
                List<Alert> alerts = new ArrayList<>(firing);
                alerts.addAll(resolved);
                for (String sink : g.route.sinks()) {
                    out.add(new Notification(g.key, sink, g.groupLabels, alerts, now, repeat));
                }
                g.lastNotify = now;
                g.notifiedFiring = firingFps;
                g.everNotified.addAll(firingFps);
            }
            g.alerts.values().removeIf(a -> {
                if (a.resolved()) {
                    g.everNotified.remove(a.fingerprint());
                    g.notifiedFiring.remove(a.fingerprint());
                    return true;
                }
                return false;
            });
            g.nextFlush = now.plus(g.route.groupInterval());
            if (g.alerts.isEmpty()) {
                it.remove();
            }
        }
        return out;
    }

    /** Whether a silence or an inhibition rule mutes the alert now. */
    public boolean muted(Alert a, Instant now) {
        for (Silence s : silences.values()) {
            if (s.mutes(a, now)) {
                return true;
            }
        }
        if (!inhibitRules.isEmpty()) {
            for (Tracked t : tracked.values()) {
                if (t.active) {
                    for (InhibitRule r : inhibitRules) {
                        if (r.inhibits(t.alert, a)) {
                            return true;
                        }
                    }
                }
            }
        }
        return false;
    }

    /** The earliest time a group is due, or null when there are no groups. */
    public Instant nextDue() {
        Instant min = null;
        for (Group g : groups.values()) {
            if (min == null || g.nextFlush.isBefore(min)) {
                min = g.nextFlush;
            }
        }
        return min;
    }

    public void addSilence(Silence s) {
        silences.put(s.id(), s);
    }

    public boolean expireSilence(String id) {
        return silences.remove(id) != null;
    }

    public List<Silence> silences() {
        return List.copyOf(silences.values());
    }

    /** Alerts that are active (fired and not resolved). */
    public List<Alert> activeAlerts() {
        List<Alert> out = new ArrayList<>();
        for (Tracked t : tracked.values()) {
            if (t.active) {
                out.add(t.alert);
            }
        }
        return out;
    }

    /** Alerts whose condition holds but that wait for their hysteresis. */
    public List<Alert> pendingAlerts() {
        List<Alert> out = new ArrayList<>();
        for (Tracked t : tracked.values()) {
            if (!t.active) {
                out.add(t.alert);
            }
        }
        return out;
    }
}
