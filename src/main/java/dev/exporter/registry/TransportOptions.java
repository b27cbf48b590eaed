package dev.exporter.registry;

import dev.exporter.reference.Registry;
import dev.exporter.registry.http.Proxies;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;

/**
 * How to reach registries.
 *
 * @param caCert       extra PEM CA certificate(s) to trust, or null
 * @param insecureTls  skip TLS certificate verification
 * @param plainHttp    talk plain HTTP to every registry
 * @param connectTimeout  TCP/TLS connect timeout
 * @param readTimeout  longest wait for response headers or for the next bytes of a body
 * @param proxies      which requests go through a proxy
 * @param insecureRegistries API hosts ({@code host[:port]}) treated like loopback registries, as docker's
 *                     {@code --insecure-registry} and registries.conf's {@code insecure}: https without certificate
 *                     verification if offered, else plain http
 */
public record TransportOptions(Path caCert, boolean insecureTls, boolean plainHttp, Duration connectTimeout,
                               Duration readTimeout, Proxies proxies, Set<String> insecureRegistries) {

    public TransportOptions {
        insecureRegistries = Set.copyOf(insecureRegistries);
    }

    /** Options without insecure registries. */
    public TransportOptions(Path caCert, boolean insecureTls, boolean plainHttp, Duration connectTimeout,
                            Duration readTimeout, Proxies proxies) {
        this(caCert, insecureTls, plainHttp, connectTimeout, readTimeout, proxies, Set.of());
    }

    /** Whether {@code registry} gets docker's insecure-registry treatment: on this machine, or named insecure. */
    public boolean insecure(Registry registry) {
        return registry.loopback() || insecureRegistries.contains(registry.apiHost());
    }
}
