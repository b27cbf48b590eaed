package dev.exporter.docker;

import com.fasterxml.jackson.databind.JsonNode;
import dev.exporter.reference.Digest;

import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The legacy v1 image records {@code docker save} puts in each layer folder, and the ids it names those folders by.
 * This mirrors moby's {@code image.V1Image} and {@code container.Config} (docker 20.10-24): struct fields in
 * declaration order with Go's omitempty rules, so that {@code v1.CreateID} hashes the same bytes docker does.
 */
final class LegacyImageRecords {

    static final String EPOCH = "1970-01-01T00:00:00Z";
    private static final String GO_ZERO_TIME = "0001-01-01T00:00:00Z";

    private LegacyImageRecords() {
    }

    /** The record of a lower layer before hashing: only an epoch creation time and an empty container config. */
    static Map<String, Object> lowerLayer() {
        Map<String, Object> record = new LinkedHashMap<>();
        record.put("created", EPOCH);
        record.put("container_config", containerConfig(null));
        return record;
    }

    /** The top layer's record: the image config's v1 fields as Go would round-trip them through {@code V1Image}. */
    static Map<String, Object> topLayer(JsonNode config) {
        Map<String, Object> record = new LinkedHashMap<>();
        putString(record, "parent", config);
        putString(record, "comment", config);
        record.put("created", goTime(text(config, "created")));
        putString(record, "container", config);
        record.put("container_config", containerConfig(field(config, "container_config")));
        putString(record, "docker_version", config);
        putString(record, "author", config);
        JsonNode runConfig = field(config, "config");
        if (runConfig != null && runConfig.isObject()) {
            record.put("config", containerConfig(runConfig));
        }
        putString(record, "architecture", config);
        putString(record, "variant", config);
        putString(record, "os", config);
        JsonNode size = field(config, "Size");
        if (size != null && size.canConvertToLong() && size.asLong() != 0) {
            record.put("Size", size.asLong());
        }
        return record;
    }

    /** moby's {@code v1.CreateID}: sha256 of the record with sorted keys, the chain id and the parent's id. */
    static String createId(Map<String, Object> record, String chainId, String parentId) {
        Map<String, Object> hashed = new TreeMap<>(record);
        hashed.remove("id");
        hashed.put("layer_id", chainId);
        if (parentId != null) {
            hashed.put("parent", "sha256:" + parentId);
        }
        return Digest.sha256Of(GoJson.marshal(hashed)).hex();
    }

    /** The {@code json} file written into a layer folder: the record with its id, parent and os filled in. */
    static byte[] layerJson(Map<String, Object> record, String id, String parentId, String os) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("id", id);
        Object parent = parentId != null ? parentId : record.get("parent");
        if (parent != null) {
            out.put("parent", parent);
        }
        record.forEach((k, v) -> {
            if (!k.equals("parent")) {
                out.put(k, v);
            }
        });
        if (os != null && !os.isEmpty()) {
            Object size = out.remove("Size");
            out.put("os", os);
            if (size != null) {
                out.put("Size", size);
            }
        }
        return GoJson.marshal(out);
    }

    /** Chain id of the first {@code count} diff ids: c0 = d0, cn = sha256(c(n-1) + " " + dn). */
    static String chainId(List<Digest> diffIds, int count) {
        String chain = diffIds.get(0).toString();
        for (int i = 1; i < count; i++) {
            chain = Digest.sha256Of((chain + " " + diffIds.get(i)).getBytes(StandardCharsets.UTF_8)).toString();
        }
        return chain;
    }

    /** Go's {@code container.Config} (20.10) marshalled from whatever JSON the image carries. */
    private static Map<String, Object> containerConfig(JsonNode c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("Hostname", str(c, "Hostname"));
        m.put("Domainname", str(c, "Domainname"));
        m.put("User", str(c, "User"));
        m.put("AttachStdin", bool(c, "AttachStdin"));
        m.put("AttachStdout", bool(c, "AttachStdout"));
        m.put("AttachStderr", bool(c, "AttachStderr"));
        Map<String, Object> ports = set(field(c, "ExposedPorts"));
        if (ports != null && !ports.isEmpty()) {
            m.put("ExposedPorts", ports);
        }
        m.put("Tty", bool(c, "Tty"));
        m.put("OpenStdin", bool(c, "OpenStdin"));
        m.put("StdinOnce", bool(c, "StdinOnce"));
        m.put("Env", strings(field(c, "Env")));
        m.put("Cmd", strings(field(c, "Cmd")));
        JsonNode health = field(c, "Healthcheck");
        if (health != null && health.isObject()) {
            m.put("Healthcheck", healthcheck(health));
        }
        if (bool(c, "ArgsEscaped")) {
            m.put("ArgsEscaped", true);
        }
        m.put("Image", str(c, "Image"));
        m.put("Volumes", set(field(c, "Volumes")));
        m.put("WorkingDir", str(c, "WorkingDir"));
        m.put("Entrypoint", strings(field(c, "Entrypoint")));
        if (bool(c, "NetworkDisabled")) {
            m.put("NetworkDisabled", true);
        }
        putIfNotEmpty(m, "MacAddress", str(c, "MacAddress"));
        m.put("OnBuild", strings(field(c, "OnBuild")));
        m.put("Labels", labels(field(c, "Labels")));
        putIfNotEmpty(m, "StopSignal", str(c, "StopSignal"));
        JsonNode stopTimeout = field(c, "StopTimeout");
        if (stopTimeout != null && stopTimeout.canConvertToLong()) {
            m.put("StopTimeout", stopTimeout.asLong());
        }
        List<Object> shell = strings(field(c, "Shell"));
        if (shell != null && !shell.isEmpty()) {
            m.put("Shell", shell);
        }
        return m;
    }

    private static Map<String, Object> healthcheck(JsonNode h) {
        Map<String, Object> m = new LinkedHashMap<>();
        List<Object> test = strings(field(h, "Test"));
        if (test != null && !test.isEmpty()) {
            m.put("Test", test);
        }
        for (String name : List.of("Interval", "Timeout", "StartPeriod", "Retries")) {
            JsonNode v = field(h, name);
            if (v != null && v.canConvertToLong() && v.asLong() != 0) {
                m.put(name, v.asLong());
            }
        }
        return m;
    }

    /** Go unmarshals struct fields case-insensitively, preferring an exact match. */
    private static JsonNode field(JsonNode node, String name) {
        if (node == null || !node.isObject()) {
            return null;
        }
        JsonNode exact = node.get(name);
        if (exact != null) {
            return exact.isNull() ? null : exact;
        }
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (key.equalsIgnoreCase(name)) {
                JsonNode v = node.get(key);
                return v.isNull() ? null : v;
            }
        }
        return null;
    }

    private static String text(JsonNode node, String name) {
        JsonNode v = field(node, name);
        return v == null ? null : v.asText();
    }

    private static String str(JsonNode node, String name) {
        String s = text(node, name);
        return s == null ? "" : s;
    }

    private static boolean bool(JsonNode node, String name) {
        JsonNode v = field(node, name);
        return v != null && v.asBoolean();
    }

    private static void putString(Map<String, Object> record, String name, JsonNode config) {
        putIfNotEmpty(record, name, str(config, name));
    }

    private static void putIfNotEmpty(Map<String, Object> record, String name, String value) {
        if (!value.isEmpty()) {
            record.put(name, value);
        }
    }

    /** A {@code []string} or docker's {@code StrSlice} (which also accepts a bare string); null stays null. */
    private static List<Object> strings(JsonNode v) {
        if (v == null) {
            return null;
        }
        List<Object> out = new ArrayList<>();
        if (v.isArray()) {
            v.forEach(e -> out.add(e.asText()));
        } else {
            out.add(v.asText());
        }
        return out;
    }

    /** A Go {@code map[string]struct{}}: sorted keys, empty objects. */
    private static Map<String, Object> set(JsonNode v) {
        if (v == null || !v.isObject()) {
            return null;
        }
        Map<String, Object> out = new TreeMap<>();
        v.fieldNames().forEachRemaining(k -> out.put(k, Map.of()));
        return out;
    }

    private static Map<String, Object> labels(JsonNode v) {
        if (v == null || !v.isObject()) {
            return null;
        }
        Map<String, Object> out = new TreeMap<>();
        v.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText()));
        return out;
    }

    /** Go's {@code time.Time} JSON form (RFC 3339 with trailing fractional zeros dropped, "Z" for UTC). */
    static String goTime(String text) {
        if (text == null || text.isEmpty()) {
            return GO_ZERO_TIME;
        }
        try {
            OffsetDateTime t = OffsetDateTime.parse(text);
            StringBuilder out = new StringBuilder(String.format("%04d-%02d-%02dT%02d:%02d:%02d",
                    t.getYear(), t.getMonthValue(), t.getDayOfMonth(), t.getHour(), t.getMinute(), t.getSecond()));
            if (t.getNano() != 0) {
                String frac = String.format("%09d", t.getNano()).replaceAll("0+$", "");
                out.append('.').append(frac);
            }
            ZoneOffset offset = t.getOffset();
            out.append(offset.getTotalSeconds() == 0 ? "Z" : offset.getId());
            return out.toString();
        } catch (DateTimeParseException e) {
            return text;
        }
    }
}
