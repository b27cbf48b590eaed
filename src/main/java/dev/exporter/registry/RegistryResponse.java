package dev.exporter.registry;

import java.io.InputStream;
import java.net.http.HttpHeaders;

/** A successful registry answer as endpoints see it; the body is closed by {@link RegistryClient}. */
public record RegistryResponse(int status, HttpHeaders headers, InputStream body) {

    public String header(String name) {
        return headers.firstValue(name).orElse(null);
    }
}
