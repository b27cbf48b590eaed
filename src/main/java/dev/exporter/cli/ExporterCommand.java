package dev.exporter.cli;

import picocli.CommandLine.Command;

import java.util.List;

/**
 * The top-level command: {@code exporter IMAGE...} is the same as {@code exporter pull IMAGE...}. Its subcommands
 * are {@link #SUBCOMMANDS}, added by {@link Cli} (only those a command line needs).
 */
@Command(name = "exporter", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"Export container images from any OCI/Docker registry as docker-load-able archives, without a Docker daemon.",
                "Exit codes: 0 success, 1 failure (network, registry, authentication, digest, disk), 2 usage error."})
public final class ExporterCommand extends AbstractPullCommand {

    /** The subcommands, in the order {@code --help} lists them. */
    static final List<Class<?>> SUBCOMMANDS = List.of(PullCommand.class, TagsCommand.class, ManifestCommand.class,
            ConfigCommand.class, BlobCommand.class, InspectCommand.class, VerifyCommand.class, PushCommand.class, LoginCommand.class,
            LogoutCommand.class);
}
