package dev.exporter.registry.http;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.URI;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OriginTest {

    @ParameterizedTest
    @CsvSource({
            // URL, scheme, host, port, authority
            "https://Registry.Example/v2/, https, registry.example, 443, registry.example:443",
            "http://registry.example/v2/, http, registry.example, 80, registry.example:80",
            "HTTP://127.0.0.1:5000/v2/, http, 127.0.0.1, 5000, 127.0.0.1:5000",
            "https://[::1]:5000/v2/, https, ::1, 5000, [::1]:5000"})
    void of_takesSchemeHostAndPort_withTheSchemesDefaultPort(String url, String scheme, String host, int port,
                                                             String authority) {
        Origin origin = Origin.of(URI.create(url));
        assertEquals(new Origin(scheme, host, port), origin);
        assertEquals(authority, origin.authority());
    }

    @ParameterizedTest
    @CsvSource({
            "https://r.example/a, https://R.example:443/b, true",
            "http://r.example/a, http://r.example:80/b, true",
            "https://r.example/a, http://r.example/a, false",
            "https://r.example/a, https://r.example:5000/a, false",
            "https://r.example/a, https://s.example/a, false",
            "https://r.example/a, file:///etc/passwd, false"})
    void sameAs_comparesSchemeHostAndPort(String a, String b, boolean same) {
        assertEquals(same, Origin.of(URI.create(a)).sameAs(URI.create(b)));
        if (same) {
            assertEquals(Origin.of(URI.create(a)).hashCode(), Origin.of(URI.create(b)).hashCode());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"file:///etc/passwd", "ftp://host/x", "/relative/path"})
    void of_withAnythingButAnHttpUrl_quotesIt(String url) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Origin.of(URI.create(url)));
        assertTrue(e.getMessage().contains("'"), e.getMessage());
    }
}
