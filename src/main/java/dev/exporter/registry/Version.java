package dev.exporter.registry;

/** This tool's version, from the jar manifest (or "dev" when run from classes). */
public final class Version {

    private Version() {
    }

    /** What requests to registries and token services say they come from. */
    public static String userAgent() {
        return "exporter/" + get();
    }

    public static String get() {
        String v = Version.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }
}
