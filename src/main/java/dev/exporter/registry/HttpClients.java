package dev.exporter.registry;

import javax.net.ssl.SSLContext;
import java.net.URI;
import java.net.http.HttpClient;
import java.util.function.Function;

/**
 * Picks the HTTP client for a URL and creates each client only when first needed: loading the JDK's trust store
 * costs a noticeable part of a small export's run time, and plain-HTTP or loopback registries never need it.
 * Loopback hosts get docker's "insecure registry" treatment (no certificate verification), as does everything
 * with {@code --insecure}; every other https URL, including redirects away from a loopback registry, is verified.
 */
final class HttpClients implements Function<URI, HttpClient> {

    private final TransportOptions options;
    private volatile HttpClient verifying;
    private volatile HttpClient trusting;

    HttpClients(TransportOptions options) {
        this.options = options;
    }

    @Override
    public HttpClient apply(URI uri) {
        boolean trust = "http".equalsIgnoreCase(uri.getScheme()) || options.insecureTls() || isLoopback(uri.getHost());
        return trust ? trusting() : verifying();
    }

    private HttpClient verifying() {
        if (verifying == null) {
            synchronized (this) {
                if (verifying == null) {
                    verifying = newClient(TlsContexts.verifying(options.caCert()));
                }
            }
        }
        return verifying;
    }

    private HttpClient trusting() {
        if (trusting == null) {
            synchronized (this) {
                if (trusting == null) {
                    trusting = newClient(TlsContexts.trustAll());
                }
            }
        }
        return trusting;
    }

    private HttpClient newClient(SSLContext ssl) {
        return HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(options.connectTimeout())
                .sslContext(ssl)
                .build();
    }

    static boolean isLoopback(String host) {
        if (host == null) {
            return false;
        }
        String h = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
        return h.equals("localhost") || h.equals("::1") || h.equals("0:0:0:0:0:0:0:1")
                || h.matches("127\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}");
    }
}
