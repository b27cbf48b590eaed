package dev.exporter.mirrors;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns one registries.conf text into {@link Registry} entries the way containers/image's {@code loadConfigFile} and
 * {@code postProcessRegistries} do: v1 files are converted, unknown keys are ignored, values of the wrong type fail.
 */
final class ConfParser {

    /** A table header, {@code [name]} or {@code [[name]]}; group 1 is the name. */
    private static final Pattern HEADER = Pattern.compile("\\s*\\[\\[?\\s*([^\\]]*)\\].*");
    /** A {@code registry} or {@code registries...} key or table, quoted or not. */
    private static final Pattern REGISTRY_NAME = Pattern.compile("\\s*[\"']?registr.*");
    private static final Set<String> V2_KEYS = Set.of("registry", "unqualified-search-registries",
            "credential-helpers", "short-name-mode", "additional-layer-store-auth-helper", "aliases");

    private final Path file;
    private final ConfLines lines;
    /** The first v1 list seen, e.g. {@code registries.block}, to point at when v1 is not allowed. */
    private String v1Table;

    private ConfParser(Path file, String text) {
        this.file = file;
        this.lines = new ConfLines(text);
    }

    /** Parses {@code text} read from {@code file}; a drop-in must be in the v2 format. */
    static List<Registry> parse(Path file, String text, boolean dropIn) {
        if (!mentionsRegistries(text)) {
            // Nothing for us (only comments, search registries, [aliases]...): setting up the TOML parser would cost
            // a third of a second of every run on a machine configured for podman.
            return List.of();
        }
        JsonNode root;
        try {
            root = Toml.MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            ConfLines lines = new ConfLines(text);
            String message = oneLine(e.getOriginalMessage());
            JsonLocation where = e.getLocation();
            int line = where != null ? where.getLineNr() : 0;
            if (message.startsWith("Duplicate key") && lines.duplicate() != null) {
                message = "duplicate key '" + lines.duplicate() + "'";
                line = lines.duplicateLine();
            }
            throw new RegistriesConfException("read " + file + ": " + (line > 0 ? "line " + line + ": " : "")
                    + message, e);
        }
        if (root == null || root.isMissingNode()) {
            return List.of();
        }
        return new ConfParser(file, text).registries((ObjectNode) root, dropIn);
    }

    /**
     * Whether the text has a {@code [[registry]]}, {@code [[registry.mirror]]} or v1 {@code [registries.*]} table, or
     * a top-level {@code registry}/{@code registries} key; keys inside other tables ({@code [aliases]}) do not count.
     */
    private static boolean mentionsRegistries(String text) {
        boolean topLevel = true;
        for (String line : (Iterable<String>) text.lines()::iterator) {
            Matcher header = HEADER.matcher(line);
            if (header.matches()) {
                if (REGISTRY_NAME.matcher(header.group(1)).matches()) {
                    return true;
                }
                topLevel = false;
            } else if (topLevel && REGISTRY_NAME.matcher(line).matches()) {
                return true;
            }
        }
        return false;
    }

    private List<Registry> registries(ObjectNode root, boolean dropIn) {
        boolean v2 = V2_KEYS.stream().anyMatch(root::has);
        Map<String, V1Entry> v1 = v1(root);
        if (v1 != null) {
            if (dropIn) {
                throw fail(v1Table, "a drop-in must be in the v2 format ([[registry]]), this is v1 ([registries.*])");
            }
            if (v2) {
                throw fail(v1Table, "mixing the v1 ([registries.*]) and v2 ([[registry]]) formats is not supported");
            }
            List<Registry> converted = new ArrayList<>();
            v1.forEach((location, e) -> converted.add(
                    new Registry(location, location, e.insecure, e.blocked, false, List.of(), file)));
            return unique(converted);
        }
        JsonNode array = root.get("registry");
        if (array == null) {
            return List.of();
        }
        if (!array.isArray()) {
            throw fail("registry", "registry must be an array of tables ([[registry]]), not a " + kind(array));
        }
        List<Registry> registries = new ArrayList<>();
        for (int i = 0; i < array.size(); i++) {
            registries.add(registry(array.get(i), "registry[" + i + "]"));
        }
        checkConflicts(registries);
        return unique(registries);
    }

    private Registry registry(JsonNode node, String path) {
        if (!node.isObject()) {
            throw fail(path, "each [[registry]] must be a table, not a " + kind(node));
        }
        String location = location(node, path, "location");
        String prefix = location(node, path, "prefix");
        if (prefix.isEmpty()) {
            prefix = location;
        }
        if (node.has("pull-from-mirror")) {
            throw fail(path + ".pull-from-mirror", "pull-from-mirror must not be set for the non-mirror registry \""
                    + prefix + "\"");
        }
        boolean byDigestOnly = bool(node, path, "mirror-by-digest-only");
        List<Mirror> mirrors = new ArrayList<>();
        JsonNode array = node.get("mirror");
        if (array != null) {
            if (!array.isArray()) {
                throw fail(path + ".mirror", "mirror must be an array of tables ([[registry.mirror]]), not a "
                        + kind(array));
            }
            for (int j = 0; j < array.size(); j++) {
                mirrors.add(mirror(array.get(j), path + ".mirror[" + j + "]", prefix, byDigestOnly));
            }
        }
        try {
            return new Registry(prefix, location, bool(node, path, "insecure"), bool(node, path, "blocked"),
                    byDigestOnly, mirrors, file);
        } catch (IllegalArgumentException e) {
            throw fail(node.has("prefix") ? path + ".prefix" : path + ".location", e.getMessage());
        }
    }

    private Mirror mirror(JsonNode node, String path, String prefix, boolean byDigestOnly) {
        if (!node.isObject()) {
            throw fail(path, "each [[registry.mirror]] must be a table, not a " + kind(node));
        }
        String location = location(node, path, "location");
        if (location.isEmpty()) {
            throw fail(path, "mirror location is unset (registry \"" + prefix + "\")");
        }
        String value = string(node, path, "pull-from-mirror");
        if (byDigestOnly && !value.isEmpty()) {
            throw fail(path + ".pull-from-mirror", "cannot set mirror-by-digest-only for the registry (\"" + prefix
                    + "\") and pull-from-mirror for the mirror (\"" + location + "\") at the same time");
        }
        try {
            return new Mirror(location, bool(node, path, "insecure"), PullFromMirror.parse(value));
        } catch (IllegalArgumentException e) {
            throw fail(path + ".pull-from-mirror", e.getMessage() + " for mirror \"" + location + "\"");
        }
    }

    /** A location or prefix: trailing slashes dropped, no URL scheme. */
    private String location(JsonNode node, String path, String key) {
        String value = string(node, path, key);
        String trimmed = value.replaceAll("/+$", "");
        if (trimmed.startsWith("http://") || trimmed.startsWith("https://")) {
            throw fail(path + "." + key, "invalid " + key + " \"" + value + "\": URI schemes are not supported");
        }
        return trimmed;
    }

    private String string(JsonNode node, String path, String key) {
        JsonNode value = node.get(key);
        if (value == null) {
            return "";
        }
        if (!value.isTextual()) {
            throw fail(path + "." + key, key + " must be a string, not a " + kind(value));
        }
        return value.textValue();
    }

    private boolean bool(JsonNode node, String path, String key) {
        JsonNode value = node.get(key);
        if (value == null) {
            return false;
        }
        if (!value.isBoolean()) {
            throw fail(path + "." + key, key + " must be true or false, not a " + kind(value));
        }
        return value.booleanValue();
    }

    /** A location named twice with different insecure or blocked settings is ambiguous (containers/image rule). */
    private void checkConflicts(List<Registry> registries) {
        Map<String, Registry> first = new LinkedHashMap<>();
        for (int i = 0; i < registries.size(); i++) {
            Registry r = registries.get(i);
            String key = r.location().isEmpty() ? r.prefix() : r.location();
            Registry other = first.putIfAbsent(key, r);
            if (other != null) {
                String setting = other.insecure() != r.insecure() ? "insecure"
                        : other.blocked() != r.blocked() ? "blocked" : null;
                if (setting != null) {
                    throw fail("registry[" + i + "]." + setting, "registry \"" + key
                            + "\" is defined multiple times with conflicting '" + setting + "' setting");
                }
            }
        }
    }

    /** Within one file the first entry of a prefix wins; the result is sorted by prefix, as containers/image keeps it. */
    private static List<Registry> unique(List<Registry> registries) {
        Map<String, Registry> byPrefix = new TreeMap<>();
        for (Registry r : registries) {
            byPrefix.putIfAbsent(r.prefix(), r);
        }
        return List.copyOf(byPrefix.values());
    }

    private record V1Entry(boolean insecure, boolean blocked) {
    }

    /** The TOML parser, made on first use. */
    private static final class Toml {
        static final TomlMapper MAPPER = new TomlMapper();
    }

    /**
     * The v1 lists {@code [registries.insecure]} and {@code [registries.block]} by location, or null when the file
     * has no v1 list; {@code [registries.search]} is not used but still makes the file v1.
     */
    private Map<String, V1Entry> v1(ObjectNode root) {
        Map<String, V1Entry> entries = new LinkedHashMap<>();
        JsonNode registries = root.get("registries");
        if (registries == null || !registries.isObject()) {
            return null;
        }
        boolean present = false;
        for (String list : List.of("block", "insecure", "search")) {
            JsonNode table = registries.get(list);
            if (table == null || !table.has("registries")) {
                continue;
            }
            if (v1Table == null) {
                v1Table = "registries." + list;
            }
            present = true;
            String path = "registries." + list + ".registries";
            JsonNode values = table.get("registries");
            if (!values.isArray()) {
                throw fail(path, path + " must be an array of strings, not a " + kind(values));
            }
            for (JsonNode value : values) {
                if (!value.isTextual()) {
                    throw fail(path, path + " must be an array of strings, not of " + kind(value) + "s");
                }
                String location = value.textValue().replaceAll("/+$", "");
                if (location.startsWith("http://") || location.startsWith("https://")) {
                    throw fail(path, "invalid location \"" + value.textValue() + "\": URI schemes are not supported");
                }
                if (list.equals("search") || location.isEmpty()) {
                    continue;
                }
                V1Entry old = entries.getOrDefault(location, new V1Entry(false, false));
                entries.put(location, list.equals("block") ? new V1Entry(old.insecure, true)
                        : new V1Entry(true, old.blocked));
            }
        }
        return present ? entries : null;
    }

    private RegistriesConfException fail(String path, String message) {
        int line = lines.line(path);
        return new RegistriesConfException("read " + file + ": " + (line > 0 ? "line " + line + ": " : "") + message);
    }

    private static String kind(JsonNode node) {
        return switch (node.getNodeType()) {
            case STRING -> "string";
            case BOOLEAN -> "boolean";
            case NUMBER -> "number";
            case ARRAY -> "array";
            case OBJECT -> "table";
            default -> node.getNodeType().name().toLowerCase(Locale.ROOT);
        };
    }

    private static String oneLine(String message) {
        return message == null ? "invalid TOML" : message.strip().replaceAll("\\s*\\R\\s*", " ");
    }
}
