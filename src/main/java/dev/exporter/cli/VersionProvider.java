package dev.exporter.cli;

import dev.exporter.registry.Version;
import picocli.CommandLine.IVersionProvider;

/** Reads the version from the jar manifest. */
public final class VersionProvider implements IVersionProvider {

    @Override
    public String[] getVersion() {
        return new String[] {"exporter " + Version.get()};
    }
}
