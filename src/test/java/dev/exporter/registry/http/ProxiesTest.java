package dev.exporter.registry.http;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProxiesTest {

    private static final Map<String, String> BOTH = Map.of("HTTPS_PROXY", "http://secure:3128", "HTTP_PROXY", "plain:8080");

    private static String proxyFor(Proxies proxies, String url) {
        HttpProxy proxy = proxies.forUri(URI.create(url));
        return proxy == null ? "direct" : proxy.toString();
    }

    @Test
    void schemePicksTheVariable_andHostOnlyUrlsMeanHttpOnPort80() {
        Proxies proxies = Proxies.fromEnvironment(BOTH);
        assertEquals("secure:3128", proxyFor(proxies, "https://quay.io/v2/"));
        assertEquals("plain:8080", proxyFor(proxies, "http://quay.io/v2/"));
        assertEquals("proxy:80", HttpProxy.parse("proxy").toString());
        assertEquals("[fd00::1]:3128", HttpProxy.parse("http://[fd00::1]:3128/").toString());
    }

    @Test
    void upperCaseWins_lowerCaseIsUsedAlone_blankIsUnset() {
        assertEquals("upper:1", proxyFor(Proxies.fromEnvironment(Map.of("HTTPS_PROXY", "upper:1", "https_proxy", "lower:2")),
                "https://a.example/"));
        assertEquals("lower:2", proxyFor(Proxies.fromEnvironment(Map.of("https_proxy", "lower:2")), "https://a.example/"));
        assertSame(Proxies.NONE, Proxies.fromEnvironment(Map.of("HTTPS_PROXY", " ", "NO_PROXY", "x")));
        assertEquals("direct", proxyFor(Proxies.fromEnvironment(Map.of("HTTPS_PROXY", "p:1")), "http://a.example/"));
    }

    @ParameterizedTest(name = "NO_PROXY={0}, {1}: {2}")
    @CsvSource(delimiter = '|', value = {
            "*|https://quay.io/|direct",
            "quay.io|https://quay.io/|direct",
            "quay.io|https://eu.quay.io/|direct",
            "quay.io|https://notquay.io/|secure:3128",
            ".quay.io|https://quay.io/|secure:3128",
            ".quay.io|https://eu.quay.io/|direct",
            "*.quay.io|https://eu.quay.io/|direct",
            "QUAY.IO|https://quay.io/|direct",
            "quay.io:443|https://quay.io/|direct",
            "quay.io:5000|https://quay.io/|secure:3128",
            "quay.io:5000|https://quay.io:5000/|direct",
            "10.1.2.3|https://10.1.2.3:5000/|direct",
            "10.0.0.0/8|https://10.200.0.7/|direct",
            "10.0.0.0/8|https://11.0.0.1/|secure:3128",
            "fd00::/8|https://[fd12::5]/|direct",
            "[fd00::1]:5000|https://[fd00::1]:5000/|direct",
            "fd00::1|https://[fd00::1]:5000/|direct",
            "' a.example , quay.io '|https://quay.io/|direct",
            "other.example|https://quay.io/|secure:3128"})
    void noProxyEntries(String noProxy, String url, String expected) {
        Map<String, String> env = Map.of("HTTPS_PROXY", "http://secure:3128", "NO_PROXY", noProxy);
        assertEquals(expected, proxyFor(Proxies.fromEnvironment(env), url));
    }

    @ParameterizedTest
    @CsvSource({"https://localhost:5000/", "https://127.0.0.1/", "https://127.9.9.9:5000/", "https://[::1]:5000/",
            "http://localhost/"})
    void loopbackIsNeverProxied(String url) {
        assertEquals("direct", proxyFor(Proxies.fromEnvironment(BOTH), url));
    }

    @Test
    void userInfoBecomesBasicProxyAuthorization_percentDecoded() {
        HttpProxy proxy = HttpProxy.parse("http://carol:s3cret%2F+pw%40x@proxy.corp:3128");
        String expected = "Basic " + Base64.getEncoder().encodeToString("carol:s3cret/+pw@x".getBytes(StandardCharsets.UTF_8));
        assertEquals(expected, proxy.authorization());
        assertEquals("proxy.corp:3128", proxy.toString());
        assertNull(HttpProxy.parse("proxy.corp:3128").authorization());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "http://carol:hunter2@proxy:port|invalid proxy URL 'http://***@proxy:port'",
            "socks5://carol:hunter2@proxy:1080|unsupported proxy URL 'socks5://***@proxy:1080': only http:// proxies are supported",
            "https://proxy:443|unsupported proxy URL 'https://proxy:443': only http:// proxies are supported",
            "http://proxy:3128/some/path|invalid proxy URL 'http://proxy:3128/some/path': expected http://host:port"})
    void unusableProxyUrls_areErrorsNamingTheVariable_withoutThePassword(String value, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Proxies.fromEnvironment(Map.of("HTTPS_PROXY", value)));
        assertTrue(e.getMessage().startsWith("HTTPS_PROXY: " + message), e.getMessage());
        assertFalse(e.getMessage().contains("hunter2"), e.getMessage());
    }
}
