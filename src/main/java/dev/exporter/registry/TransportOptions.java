package dev.exporter.registry;

import dev.exporter.registry.http.Pace;
import dev.exporter.registry.http.Proxies;

import java.nio.file.Path;
import java.time.Duration;

/**
 * How to reach registries.
 *
 * @param caCert       extra PEM CA certificate(s) to trust, or null
 * @param insecureTls  skip TLS certificate verification
 * @param plainHttp    talk plain HTTP to every registry
 * @param connectTimeout  TCP/TLS connect timeout
 * @param readTimeout  longest wait for response headers or for the next bytes of a body
 * @param proxies      which requests go through a proxy
 * @param pace         how slowly a whole answer may come, however often its bytes do
 */
public record TransportOptions(Path caCert, boolean insecureTls, boolean plainHttp, Duration connectTimeout,
                               Duration readTimeout, Proxies proxies, Pace pace) {

    /** With the default {@link Pace}. */
    public TransportOptions(Path caCert, boolean insecureTls, boolean plainHttp, Duration connectTimeout,
                            Duration readTimeout, Proxies proxies) {
        this(caCert, insecureTls, plainHttp, connectTimeout, readTimeout, proxies, Pace.DEFAULT);
    }
}
