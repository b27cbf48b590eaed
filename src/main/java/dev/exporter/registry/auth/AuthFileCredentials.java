package dev.exporter.registry.auth;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Credentials from auth files and the credential helpers they name, found the way the docker CLI finds them.
 * For each file in order: the registry's {@code credHelpers} helper, else the {@code credsStore} helper, else the
 * file's {@code auths} entry; a helper that has nothing for the registry falls through to the {@code auths} entry,
 * and a file with nothing falls through to the next file. Each registry is looked up once per run, so a helper is
 * run at most once per registry.
 */
public final class AuthFileCredentials implements CredentialProvider {

    private final List<Path> files;
    private final Function<String, CredentialHelper> helpers;
    private final Map<Path, DockerConfigFile> parsed = new ConcurrentHashMap<>();
    private final Map<String, Optional<Credentials>> found = new ConcurrentHashMap<>();

    /**
     * @param files   auth files in lookup order; missing ones are skipped
     * @param helpers makes the helper for a {@code credsStore}/{@code credHelpers} name
     */
    public AuthFileCredentials(List<Path> files, Function<String, CredentialHelper> helpers) {
        this.files = List.copyOf(files);
        this.helpers = helpers;
    }

    @Override
    public Optional<Credentials> credentialsFor(String registry) {
        // computeIfAbsent also makes concurrent callers wait for one helper run instead of starting several
        return found.computeIfAbsent(RegistryKeys.hostOf(registry), this::lookup);
    }

    private Optional<Credentials> lookup(String registry) {
        for (Path path : files) {
            DockerConfigFile file = parsed.computeIfAbsent(path, DockerConfigFile::read);
            Optional<DockerConfigFile.HelperSetting> helper = file.helperFor(registry);
            if (helper.isPresent()) {
                Optional<Credentials> fromHelper = fromHelper(registry, helper.get());
                if (fromHelper.isPresent()) {
                    return fromHelper;
                }
            }
            Optional<Credentials> stored = file.storedCredentials(registry);
            if (stored.isPresent()) {
                return stored;
            }
        }
        return Optional.empty();
    }

    private Optional<Credentials> fromHelper(String registry, DockerConfigFile.HelperSetting setting) {
        try {
            return helpers.apply(setting.name()).get(RegistryKeys.configKey(registry));
        } catch (CredentialsException e) {
            throw new CredentialsException(e.getMessage() + " (configured by " + setting.setting() + ")", e);
        }
    }
}
