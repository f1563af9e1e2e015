package io.migmon.spring.boot.internal;

/** A migration framework on the class path is older than migmon supports; fails start-up with the minimum version. */
public final class UnsupportedFrameworkVersionException extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    private final String framework;
    private final String found;
    private final String minimum;
    private final String versionProperty;
    private final String disableProperty;

    UnsupportedFrameworkVersionException(String framework, String found, String minimum, String versionProperty,
            String disableProperty) {
        super("migmon needs " + framework + " " + minimum + " or newer, found " + (found == null ? "an older version" : found)
                + ". Upgrade " + framework + " (e.g. <" + versionProperty + ">" + minimum + ".x</" + versionProperty
                + "> with Spring Boot's dependency management) or set " + disableProperty);
        this.framework = framework;
        this.found = found;
        this.minimum = minimum;
        this.versionProperty = versionProperty;
        this.disableProperty = disableProperty;
    }

    public String framework() {
        return framework;
    }

    public String found() {
        return found;
    }

    public String minimum() {
        return minimum;
    }

    public String versionProperty() {
        return versionProperty;
    }

    public String disableProperty() {
        return disableProperty;
    }
}
