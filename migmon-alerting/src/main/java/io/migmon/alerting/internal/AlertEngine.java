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
    private long groupIds;

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
        final long id;
        final Map<String, String> groupLabels;
        final Map<String, Alert> alerts = new LinkedHashMap<>();
        final Map<String, Channel> channels = new LinkedHashMap<>();
        Instant nextFlush;

        Group(Route route, String key, long id, Map<String, String> groupLabels, Instant nextFlush) {
            this.route = route;
            this.key = key;
            this.id = id;
            this.groupLabels = groupLabels;
            this.nextFlush = nextFlush;
            for (String sink : route.sinks()) {
                channels.put(sink, new Channel());
            }
        }
    }

    /**
     * What one sink has been told about one group, recorded on delivery (Alertmanager's notification log entry):
     * the firing alerts of the last delivered notification, every alert it heard firing and has not heard resolved,
     * when it was last notified, and the firing alerts of a notification in flight (not purged meanwhile).
     */
    private static final class Channel {
        Set<String> lastFiring = Set.of();
        final Set<String> heard = new HashSet<>();
        Set<String> inFlight = Set.of();
        Instant lastDelivered;
    }

    /** What a channel owes now: the firing (unmuted) alerts and the resolves it must hear; null when nothing changed. */
    private record Owed(List<Alert> firing, List<Alert> resolved, boolean changed) {
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
            if (t.falseCount >= hysteresis.clearAfter()) {
                tracked.remove(fp);
                // ends at the run's first evaluation when that one resolves it (exact), else at the run's last
                // the resolving signal's own summary, when it has one, says why it ended (e.g. "stall resolved:
                // planned pause (replica rebuild)"); labels and annotations stay those of the firing alert
                Alert last = s.alert().summary().equals(s.alert().name()) || s.alert().summary().isBlank() ? t.alert
                        : t.alert.toBuilder().summary(s.alert().summary()).build();
                Alert resolved = last.resolvedAt(before + 1 >= hysteresis.clearAfter() ? s.since() : s.at());
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
            Group g = groups.computeIfAbsent(key, k -> new Group(r, k, ++groupIds, gl, now.plus(r.groupWait())));
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

    /**
     * Issues a ticket for every group due at {@code now} (or every group when {@code all}, ignoring group wait and
     * interval) and sink that is owed a notification: a new firing alert, a resolve of an alert the sink heard
     * firing, or (not when {@code all}) an unchanged firing group whose repeat interval passed. Nothing is recorded
     * as notified here: that happens on {@link #delivered}. A ticket whose sink does not deliver before the next
     * flush is issued again then (sinks keep one ticket per group).
     */
    public List<Ticket> flush(Instant now, boolean all) {
        silences.values().removeIf(s -> !now.isBefore(s.endsAt()));
        List<Ticket> out = new ArrayList<>();
        Iterator<Group> it = groups.values().iterator();
        while (it.hasNext()) {
            Group g = it.next();
            if (!all && now.isBefore(g.nextFlush)) {
                continue;
            }
            for (Map.Entry<String, Channel> e : g.channels.entrySet()) {
                Channel c = e.getValue();
                Owed owed = owed(g, c, now);
                boolean repeat = !owed.changed && !all && !owed.firing.isEmpty() && repeatDue(g, c, now);
                if (owed.changed || repeat) {
                    List<Alert> alerts = new ArrayList<>(owed.firing);
                    alerts.addAll(owed.resolved);
                    out.add(new Ticket(g.key, g.id, e.getKey(), alerts, repeat));
                }
            }
            purge(g);
            g.nextFlush = now.plus(g.route.groupInterval());
            if (g.alerts.isEmpty()) {
                it.remove();
            }
        }
        return out;
    }

    private static boolean repeatDue(Group g, Channel c, Instant now) {
        return c.lastDelivered != null && !now.isBefore(c.lastDelivered.plus(g.route.repeatInterval()));
    }

    private Owed owed(Group g, Channel c, Instant now) {
        List<Alert> firing = new ArrayList<>();
        List<Alert> resolved = new ArrayList<>();
        boolean changed = false;
        for (Alert a : g.alerts.values()) {
            if (a.resolved()) {
                // a resolution is sent for every alert the sink heard firing, even if muted since: no dangling incidents
                if (g.route.sendResolved() && c.heard.contains(a.fingerprint())) {
                    resolved.add(a);
                    changed = true;
                }
            } else if (!muted(a, now)) {
                firing.add(a);
                changed |= !c.lastFiring.contains(a.fingerprint());
            }
        }
        return new Owed(firing, resolved, changed);
    }

    /**
     * Drops resolved alerts that no sink of the group still has to hear resolved (and that are not in flight as
     * firing to one); without sendResolved a resolved alert is forgotten by every sink at once.
     */
    private static void purge(Group g) {
        g.alerts.values().removeIf(a -> {
            if (!a.resolved()) {
                return false;
            }
            String fp = a.fingerprint();
            for (Channel c : g.channels.values()) {
                if (c.inFlight.contains(fp) || g.route.sendResolved() && c.heard.contains(fp)) {
                    return false;
                }
            }
            for (Channel c : g.channels.values()) {
                c.heard.remove(fp);
            }
            return true;
        });
    }

    /** See {@link DeliverySource#content}. */
    public Notification content(Ticket t, Instant now) {
        Group g = groups.get(t.groupKey());
        if (g == null || g.id != t.groupId()) {
            return null;
        }
        Channel c = g.channels.get(t.sink());
        if (c == null) {
            return null;
        }
        Owed owed = owed(g, c, now);
        boolean repeat = !owed.changed && t.repeat() && !owed.firing.isEmpty() && repeatDue(g, c, now);
        if (!owed.changed && !repeat) {
            return null;
        }
        List<Alert> alerts = new ArrayList<>(owed.firing);
        alerts.addAll(owed.resolved);
        Set<String> inFlight = new HashSet<>();
        owed.firing.forEach(a -> inFlight.add(a.fingerprint()));
        c.inFlight = inFlight;
        return new Notification(g.key, t.sink(), g.groupLabels, alerts, now, repeat);
    }

    /** See {@link DeliverySource#delivered}: records what the sink now knows. */
    public void delivered(Ticket t, Notification n, Instant now) {
        Group g = groups.get(t.groupKey());
        if (g == null || g.id != t.groupId()) {
            return;
        }
        Channel c = g.channels.get(t.sink());
        if (c == null) {
            return;
        }
        Set<String> firing = new HashSet<>();
        for (Alert a : n.alerts()) {
            if (a.resolved()) {
                c.heard.remove(a.fingerprint());
            } else {
                firing.add(a.fingerprint());
                c.heard.add(a.fingerprint());
            }
        }
        c.lastFiring = firing;
        c.lastDelivered = now;
        c.inFlight = Set.of();
        purge(g);
        if (g.alerts.isEmpty()) {
            groups.remove(g.key);
        }
    }

    /** See {@link DeliverySource#failed}. */
    public void failed(Ticket t) {
        Group g = groups.get(t.groupKey());
        if (g != null && g.id == t.groupId()) {
            Channel c = g.channels.get(t.sink());
            if (c != null) {
                c.inFlight = Set.of();
            }
        }
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
