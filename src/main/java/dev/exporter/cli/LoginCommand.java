package dev.exporter.cli;

import dev.exporter.reference.Registry;
import dev.exporter.registry.RegistryException;
import dev.exporter.registry.RegistryPing;
import dev.exporter.registry.auth.CredentialProvider;
import dev.exporter.registry.auth.Credentials;
import dev.exporter.registry.auth.CredentialsException;
import dev.exporter.registry.auth.DockerConfigFile;
import dev.exporter.registry.auth.RegistryKeys;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;

/** {@code exporter login REGISTRY -u USER --password-stdin}: checks credentials, then stores them as docker does. */
@Command(name = "login", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"Check a user name and password against a registry and store them where pulls find them.",
                "They go to the first auth file (--authfile, else REGISTRY_AUTH_FILE, else $DOCKER_CONFIG/config.json or "
                        + "~/.docker/config.json) as base64 user:password with mode 0600, or into the credential helper "
                        + "that file configures for the registry (credHelpers, credsStore)."})
final class LoginCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "REGISTRY", description = "Registry host[:port]; docker.io for Docker Hub.")
    String registryName;

    @Mixin
    RegistryOptions registry;

    @Override
    public Integer call() {
        try {
            return login();
        } catch (CredentialsException e) {
            throw new CommandFailure(e.getMessage(), e);
        }
    }

    private int login() {
        String name = LogoutCommand.parseRegistry(spec, registryName);
        Credentials credentials = registry.givenCredentials().orElseThrow(() -> new ParameterException(spec.commandLine(),
                "login needs a user name and password: -u USER with --password-stdin (or EXPORTER_PASSWORD), "
                        + "or EXPORTER_USERNAME and EXPORTER_PASSWORD"));
        verify(name, credentials);
        Path file = registry.authFiles().loginTarget();
        DockerConfigFile config = DockerConfigFile.read(file);
        Optional<DockerConfigFile.HelperSetting> helper = config.helperFor(name);
        String storedIn;
        if (helper.isPresent()) {
            try {
                RegistryOptions.helper(helper.get().name())
                        .store(RegistryKeys.configKey(name), credentials.username(), credentials.secret());
            } catch (CredentialsException e) {
                throw new CredentialsException(e.getMessage() + " (configured by " + helper.get().setting() + ")", e);
            }
            config.putHelperLogin(name);
            storedIn = "credential helper docker-credential-" + helper.get().name();
        } else {
            config.putPassword(name, credentials.username(), credentials.secret());
            storedIn = file.toString();
        }
        config.write();
        spec.commandLine().getOut().println("Login succeeded: credentials for user '" + credentials.username()
                + "' on " + name + " stored in " + storedIn);
        return ExitCodes.OK;
    }

    /** {@code GET /v2/} with the given credentials only: a Basic login or a token fetch must succeed. */
    private void verify(String name, Credentials credentials) {
        try {
            registry.client(CredentialProvider.fixed(credentials)).call(Registry.parse(name), new RegistryPing(name));
        } catch (RegistryException e) {
            if (e.kind() == RegistryException.Kind.UNAUTHORIZED || e.kind() == RegistryException.Kind.DENIED) {
                throw new CommandFailure("log in to " + name + ": the registry rejected user '" + credentials.username()
                        + "' - check the user name and password; nothing was stored", e);
            }
            throw e;
        }
    }
}
