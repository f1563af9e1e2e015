package io.migmon.spring.boot.internal;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The minimum Flyway and Liquibase versions migmon's adapters run on, checked at start-up. */
public final class FrameworkVersions {

    /** Oldest Flyway with the callback API migmon-flyway uses ({@code CallbackEvent}). */
    public static final String FLYWAY_MINIMUM = "11.13";
    /** Oldest Liquibase migmon-liquibase is tested with. */
    public static final String LIQUIBASE_MINIMUM = "4.33";

    private FrameworkVersions() {
    }

    /**
     * @throws UnsupportedFrameworkVersionException if the Flyway on the class path is older than {@value #FLYWAY_MINIMUM}
     */
    public static void requireFlyway(ClassLoader loader) {
        String found = mavenVersion(loader, "org.flywaydb", "flyway-core");
        boolean hasApi;
        try {
            Class.forName("org.flywaydb.core.api.callback.CallbackEvent", false, loader);
            hasApi = true;
        } catch (ClassNotFoundException | LinkageError e) {
            hasApi = false;
        }
        if (!hasApi || (found != null && compare(found, FLYWAY_MINIMUM) < 0)) {
            throw new UnsupportedFrameworkVersionException("Flyway", found, FLYWAY_MINIMUM, "flyway.version",
                    "migmon.flyway.enabled=false");
        }
    }

    /**
     * @throws UnsupportedFrameworkVersionException if the Liquibase on the class path is older than
     *                                              {@value #LIQUIBASE_MINIMUM}
     */
    public static void requireLiquibase(ClassLoader loader) {
        String found = mavenVersion(loader, "org.liquibase", "liquibase-core");
        if (found == null) {
            try {
                Class<?> util = Class.forName("liquibase.util.LiquibaseUtil", false, loader);
                found = (String) util.getMethod("getBuildVersion").invoke(null);
            } catch (ReflectiveOperationException | LinkageError e) {
                found = null;
            }
        }
        if (found != null && Character.isDigit(found.charAt(0)) && compare(found, LIQUIBASE_MINIMUM) < 0) {
            throw new UnsupportedFrameworkVersionException("Liquibase", found, LIQUIBASE_MINIMUM, "liquibase.version",
                    "migmon.liquibase.enabled=false");
        }
    }

    static String mavenVersion(ClassLoader loader, String group, String artifact) {
        String path = "META-INF/maven/" + group + "/" + artifact + "/pom.properties";
        try (InputStream in = loader.getResourceAsStream(path)) {
            if (in == null) {
                return null;
            }
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version");
        } catch (IOException e) {
            return null;
        }
    }

    /** Compares dotted numeric versions ("11.7.2" < "11.13"); non-numeric parts count as 0. */
    static int compare(String a, String b) {
        String[] x = a.split("[.-]");
        String[] y = b.split("[.-]");
        for (int i = 0; i < Math.max(x.length, y.length); i++) {
            int c = Integer.compare(num(x, i), num(y, i));
            if (c != 0) {
                return c;
            }
        }
        return 0;
    }

    private static int num(String[] parts, int i) {
        if (i >= parts.length) {
            return 0;
        }
        try {
            return Integer.parseInt(parts[i]);
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
