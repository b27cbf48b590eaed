package dev.exporter.registry;

import dev.exporter.registry.http.Headers;

import java.io.InputStream;

/** A successful registry answer as endpoints see it; the body is closed by {@link RegistryClient}. */
public record RegistryResponse(int status, Headers headers, InputStream body) {

    public String header(String name) {
        return headers.firstValue(name).orElse(null);
    }
}
