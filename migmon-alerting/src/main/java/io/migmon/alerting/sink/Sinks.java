package io.migmon.alerting.sink;

import java.util.regex.Pattern;

/** What the sink builders share beyond core's {@link io.migmon.core.support.Require}: the rule for sink names. */
final class Sinks {

    /** A sink name: the {@code sink} tag of the meters and the target of routes. */
    static final Pattern NAME = Pattern.compile("[a-zA-Z0-9_.-]{1,64}");

    private Sinks() {
    }
}
