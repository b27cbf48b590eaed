package dev.exporter.cli;

import picocli.CommandLine.Command;

/** {@code exporter pull IMAGE... -o FILE}: the explicit form of the default command. */
@Command(name = "pull", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Pull images from a registry into a docker-load-able archive.")
public final class PullCommand extends AbstractPullCommand {
}
