package dev.exporter.mirrors;

import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where keys and tables sit in a registries.conf, so that a value of the wrong type or meaning can be reported with its
 * line: the TOML tree has no positions. Paths look like {@code registry[2].mirror[0].pull-from-mirror}. Only the usual
 * layout (one header or key per line) is located; for anything else the nearest enclosing table's line is used.
 */
final class ConfLines {

    private static final Pattern ARRAY_TABLE = Pattern.compile("\\s*\\[\\[([^\\]]*)\\]\\]\\s*(#.*)?");
    private static final Pattern TABLE = Pattern.compile("\\s*\\[([^\\[\\]]*)\\]\\s*(#.*)?");
    private static final Pattern KEY = Pattern.compile("\\s*(\"[^\"]*\"|'[^']*'|[A-Za-z0-9_.-]+)\\s*=.*");

    private final Map<String, Integer> lines = new HashMap<>();
    private int duplicateLine;
    private String duplicate;

    ConfLines(String text) {
        Map<String, Integer> arrayCounts = new HashMap<>();
        String table = "";
        String[] all = text.split("\r?\n", -1);
        for (int i = 0; i < all.length; i++) {
            int line = i + 1;
            Matcher m;
            if ((m = ARRAY_TABLE.matcher(all[i])).matches()) {
                String name = normalize(m.group(1));
                String parent = name.contains(".") ? name.substring(0, name.lastIndexOf('.')) : "";
                String leaf = name.substring(name.lastIndexOf('.') + 1);
                // [[registry.mirror]] belongs to the latest [[registry]]
                String base = parent.isEmpty() ? leaf : indexed(arrayCounts, parent) + "." + leaf;
                int index = arrayCounts.merge(base, 1, Integer::sum) - 1;
                table = base + "[" + index + "]";
                lines.putIfAbsent(table, line);
            } else if ((m = TABLE.matcher(all[i])).matches()) {
                table = normalize(m.group(1));
                noteDuplicate(table, lines.putIfAbsent(table, line), line);
            } else if ((m = KEY.matcher(all[i])).matches()) {
                String key = normalize(m.group(1));
                noteDuplicate(key, lines.putIfAbsent(table.isEmpty() ? key : table + "." + key, line), line);
            }
        }
    }

    /** {@code registry} → {@code registry[3]} for the latest of its array, {@code a.b} → {@code a[0].b[1]}. */
    private static String indexed(Map<String, Integer> counts, String name) {
        StringBuilder path = new StringBuilder();
        for (String part : name.split("\\.")) {
            if (path.length() > 0) {
                path.append('.');
            }
            path.append(part);
            Integer count = counts.get(path.toString());
            if (count != null) {
                path.append('[').append(count - 1).append(']');
            }
        }
        return path.toString();
    }

    private static String normalize(String key) {
        StringBuilder out = new StringBuilder();
        for (String part : key.trim().split("\\s*\\.\\s*")) {
            if (out.length() > 0) {
                out.append('.');
            }
            out.append(part.length() >= 2 && (part.startsWith("\"") || part.startsWith("'"))
                    ? part.substring(1, part.length() - 1) : part);
        }
        return out.toString();
    }

    private void noteDuplicate(String name, Integer earlier, int line) {
        if (earlier != null && duplicate == null) {
            duplicate = name;
            duplicateLine = line;
        }
    }

    /** The first key or table defined twice, or null; the TOML parser reports duplicates a token late. */
    String duplicate() {
        return duplicate;
    }

    /** The line of {@link #duplicate()}'s second definition. */
    int duplicateLine() {
        return duplicateLine;
    }

    /** The line of the path, or of its nearest enclosing table; 0 when unknown. */
    int line(String path) {
        String p = path;
        while (true) {
            Integer line = lines.get(p);
            if (line != null) {
                return line;
            }
            int cut = Math.max(p.lastIndexOf('.'), p.lastIndexOf('['));
            if (cut <= 0) {
                return 0;
            }
            p = p.substring(0, cut);
        }
    }
}
