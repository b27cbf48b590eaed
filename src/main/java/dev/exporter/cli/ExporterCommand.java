package dev.exporter.cli;

import picocli.CommandLine.Command;

/** The top-level command: {@code exporter IMAGE...} is the same as {@code exporter pull IMAGE...}. */
@Command(name = "exporter", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"Export container images from any OCI/Docker registry as docker-load-able archives, without a Docker daemon.",
                "Exit codes: 0 success, 1 failure (network, registry, authentication, digest, disk), 2 usage error."},
        subcommands = {PullCommand.class, TagsCommand.class, ManifestCommand.class, ConfigCommand.class, BlobCommand.class,
                InspectCommand.class, LoginCommand.class, LogoutCommand.class})
public final class ExporterCommand extends AbstractPullCommand {
}
