package dev.exporter.cli;

import dev.exporter.registry.auth.AuthFiles;
import dev.exporter.registry.auth.CredentialsException;
import dev.exporter.registry.auth.DockerConfigFile;
import dev.exporter.registry.auth.RegistryKeys;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

/** {@code exporter logout REGISTRY}: removes what {@code login} stored, in the auth file and the helper. */
@Command(name = "logout", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Remove the stored credentials for a registry from the auth file login writes to, "
                + "and from the credential helper it configures for the registry.")
final class LogoutCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "REGISTRY", description = "Registry host[:port]; docker.io for Docker Hub.")
    String registryName;

    @Option(names = "--authfile", paramLabel = "FILE",
            description = "The docker config.json / podman auth.json to change (default: as for login).")
    Path authFile;

    @Override
    public Integer call() {
        try {
            return logout();
        } catch (CredentialsException e) {
            throw new CommandFailure(e.getMessage(), e);
        }
    }

    private int logout() {
        String name = parseRegistry(spec, registryName);
        AuthFiles files = AuthFiles.locate(authFile, RegistryOptions.environment);
        Path file = files.loginTarget();
        DockerConfigFile config = DockerConfigFile.read(file);
        List<String> removedFrom = new ArrayList<>();
        Optional<DockerConfigFile.HelperSetting> helper = config.helperFor(name);
        if (helper.isPresent()) {
            try {
                RegistryOptions.helper(helper.get().name()).erase(RegistryKeys.configKey(name));
            } catch (CredentialsException e) {
                throw new CredentialsException(e.getMessage() + " (configured by " + helper.get().setting() + ")", e);
            }
            removedFrom.add("credential helper docker-credential-" + helper.get().name());
        }
        if (config.removeCredentials(name)) {
            config.write();
            removedFrom.add(file.toString());
        }
        PrintWriter out = spec.commandLine().getOut();
        out.println(removedFrom.isEmpty() ? "Not logged in to " + name + " (nothing stored in " + file + ")"
                : "Removed credentials for " + name + " from " + String.join(" and ", removedFrom));
        for (Path other : files.lookup()) {
            if (!other.equals(file) && DockerConfigFile.read(other).storedCredentials(name).isPresent()) {
                out.println("Note: " + other + " still has credentials for " + name);
            }
        }
        return ExitCodes.OK;
    }

    /** A registry name as typed by the user, normalized; a usage error when it is not one. */
    static String parseRegistry(CommandSpec spec, String input) {
        try {
            return RegistryKeys.registryName(input);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
    }
}
