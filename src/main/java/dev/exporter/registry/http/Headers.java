package dev.exporter.registry.http;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** Response header fields by lower-case name, each with its values in the order received. */
public record Headers(Map<String, List<String>> fields) {

    public Headers {
        Map<String, List<String>> lower = new HashMap<>();
        fields.forEach((name, values) -> lower.computeIfAbsent(name.toLowerCase(Locale.ROOT), k -> new ArrayList<>()).addAll(values));
        lower.replaceAll((name, values) -> List.copyOf(values));
        fields = Map.copyOf(lower);
    }

    public Optional<String> firstValue(String name) {
        List<String> values = allValues(name);
        return values.isEmpty() ? Optional.empty() : Optional.of(values.get(0));
    }

    public List<String> allValues(String name) {
        return fields.getOrDefault(name.toLowerCase(Locale.ROOT), List.of());
    }
}
