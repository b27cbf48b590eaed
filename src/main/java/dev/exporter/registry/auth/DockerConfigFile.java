package dev.exporter.registry.auth;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.exporter.image.Json;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A docker {@code config.json} or podman {@code auth.json}: {@code auths} entries ({@code auth} = base64
 * {@code user:password}, {@code username}/{@code password}, {@code identitytoken}, {@code registrytoken}),
 * {@code credHelpers} per registry and a default {@code credsStore}. Changes keep every other part of the
 * document, unknown keys included, and are written atomically with mode 0600.
 */
public final class DockerConfigFile {

    /** docker's layout: tab indentation, {@code "key": value}. */
    private static ObjectWriter printer() {
        return Json.mapper().writer(new DefaultPrettyPrinter()
                .withSeparators(Separators.createDefaultInstance().withObjectFieldValueSpacing(Separators.Spacing.AFTER))
                .withObjectIndenter(new DefaultIndenter("\t", "\n"))
                .withArrayIndenter(new DefaultIndenter("\t", "\n")));
    }

    private final Path path;
    private final ObjectNode root;

    private DockerConfigFile(Path path, ObjectNode root) {
        this.path = path;
        this.root = root;
    }

    /** Reads {@code path}; a missing (or empty) file is an empty configuration. */
    public static DockerConfigFile read(Path path) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(path);
        } catch (NoSuchFileException e) {
            return new DockerConfigFile(path, Json.object());
        } catch (IOException e) {
            throw new CredentialsException("read credentials from " + path + ": " + reason(e), e);
        }
        if (new String(bytes, StandardCharsets.UTF_8).isBlank()) {
            return new DockerConfigFile(path, Json.object());
        }
        JsonNode node;
        try {
            node = Json.read(bytes);
        } catch (JsonProcessingException e) {
            // no cause and no parser message: both may quote the file's content, secrets included
            throw new CredentialsException("read credentials from " + path + ": not valid JSON (line "
                    + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")");
        } catch (IOException e) {
            throw new CredentialsException("read credentials from " + path + ": " + reason(e), e);
        }
        if (!(node instanceof ObjectNode object)) {
            throw new CredentialsException("read credentials from " + path + ": expected a JSON object");
        }
        for (String section : List.of("auths", "credHelpers")) {
            if (object.has(section) && !object.get(section).isObject()) {
                throw new CredentialsException("read credentials from " + path + ": \"" + section + "\" is not a JSON object");
            }
        }
        if (object.has("credsStore") && !object.get("credsStore").isTextual()) {
            throw new CredentialsException("read credentials from " + path + ": \"credsStore\" is not a string");
        }
        return new DockerConfigFile(path, object);
    }

    public Path path() {
        return path;
    }

    /** A credential helper for a registry and the setting that names it, for messages. */
    public record HelperSetting(String name, String setting) {
    }

    /** As docker decides: the {@code credHelpers} entry for the registry, else {@code credsStore}, else none. */
    public Optional<HelperSetting> helperFor(String registry) {
        Optional<String> key = bestKey(root.path("credHelpers"), registry);
        if (key.isPresent()) {
            String name = root.path("credHelpers").path(key.get()).asText("");
            if (!name.isEmpty()) {
                return Optional.of(new HelperSetting(name, "\"credHelpers\" entry \"" + key.get() + "\" in " + path));
            }
        }
        String store = root.path("credsStore").asText("");
        return store.isEmpty() ? Optional.empty() : Optional.of(new HelperSetting(store, "\"credsStore\" in " + path));
    }

    /**
     * The credentials in the best-matching {@code auths} entry that holds any (see {@link RegistryKeys}); entries
     * without a secret, like the {@code {}} docker writes when a helper holds the secret, are skipped.
     */
    public Optional<Credentials> storedCredentials(String registry) {
        JsonNode auths = root.path("auths");
        for (String key : matchingKeys(auths, registry)) {
            Optional<Credentials> found = parseEntry(key, auths.get(key));
            if (found.isPresent()) {
                return found;
            }
        }
        return Optional.empty();
    }

    private Optional<Credentials> parseEntry(String key, JsonNode entry) {
        String where = "read credentials for " + key + " from " + path;
        if (!entry.isObject()) {
            throw new CredentialsException(where + ": the \"auths\" entry is not a JSON object");
        }
        String registryToken = text(entry, "registrytoken");
        if (registryToken != null) {
            return Optional.of(Credentials.registryToken(registryToken, path.toString()));
        }
        String username = text(entry, "username");
        String password = text(entry, "password");
        String auth = text(entry, "auth");
        if (auth != null) {
            String pair;
            try {
                pair = new String(Base64.getDecoder().decode(auth.strip()), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                // the decoder's message would quote a character of the secret
                throw new CredentialsException(where + ": \"auth\" is not valid base64 - log in again with 'exporter login "
                        + RegistryKeys.hostOf(key) + "'");
            }
            int colon = pair.indexOf(':');
            if (colon < 0) {
                throw new CredentialsException(where + ": \"auth\" does not hold user:password - log in again with 'exporter login "
                        + RegistryKeys.hostOf(key) + "'");
            }
            username = pair.substring(0, colon);
            password = pair.substring(colon + 1);
        }
        String identityToken = text(entry, "identitytoken");
        if (identityToken != null) {
            return Optional.of(Credentials.identityToken(username, identityToken, path.toString()));
        }
        if (password == null || password.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(Credentials.password(username, password, path.toString()));
    }

    /** Stores {@code username}/{@code password} as docker does: base64 {@code auth} under the registry's key. */
    public void putPassword(String registry, String username, String password) {
        String pair = username + ":" + password;
        auths().set(RegistryKeys.configKey(registry), Json.object()
                .put("auth", Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8))));
    }

    /** Records a login whose secret a credential helper holds: an empty entry, as docker writes. */
    public void putHelperLogin(String registry) {
        auths().set(RegistryKeys.configKey(registry), Json.object());
    }

    /** Removes every {@code auths} entry for the registry (all of its keys); returns whether there was one. */
    public boolean removeCredentials(String registry) {
        if (!root.path("auths").isObject()) {
            return false;
        }
        boolean removed = false;
        for (Iterator<String> keys = root.get("auths").fieldNames(); keys.hasNext(); ) {
            if (RegistryKeys.matches(keys.next(), registry)) {
                keys.remove();
                removed = true;
            }
        }
        return removed;
    }

    /**
     * Writes the document: parent folders created (0700), a temporary file (0600) next to the target renamed over
     * it, so readers see the old or the new file and never a partial one. A symlinked config is written through.
     */
    public void write() {
        String action = "write credentials to " + path;
        try {
            Path target = Files.isSymbolicLink(path) ? path.toRealPath() : path.toAbsolutePath();
            Path dir = target.getParent();
            boolean posix = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
            if (!Files.isDirectory(dir)) {
                if (posix) {
                    Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
                } else {
                    Files.createDirectories(dir);
                }
            }
            FileAttribute<?>[] attributes = posix
                    ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))}
                    : new FileAttribute<?>[0];
            Path temp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".tmp", attributes);
            try {
                byte[] bytes = printer().writeValueAsBytes(root);
                try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                    channel.write(ByteBuffer.wrap(bytes));
                    channel.write(ByteBuffer.wrap("\n".getBytes(StandardCharsets.UTF_8)));
                    channel.force(true);
                }
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(temp);
            }
        } catch (IOException e) {
            throw new CredentialsException(action + ": " + reason(e), e);
        }
    }

    private ObjectNode auths() {
        JsonNode auths = root.get("auths");
        return auths instanceof ObjectNode object ? object : root.putObject("auths");
    }

    /** Keys of {@code section} matching the registry, best match first, file order among equals. */
    private static List<String> matchingKeys(JsonNode section, String registry) {
        List<String> keys = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = section.fields(); it.hasNext(); ) {
            String key = it.next().getKey();
            if (RegistryKeys.matches(key, registry)) {
                keys.add(key);
            }
        }
        keys.sort(Comparator.comparing(key -> RegistryKeys.match(key, registry)));
        return keys;
    }

    private static Optional<String> bestKey(JsonNode section, String registry) {
        return matchingKeys(section, registry).stream().findFirst();
    }

    private static String text(JsonNode entry, String field) {
        JsonNode value = entry.get(field);
        return value == null || !value.isTextual() || value.asText().isEmpty() ? null : value.asText();
    }

    private static String reason(IOException e) {
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
}
