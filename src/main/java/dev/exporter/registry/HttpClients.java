package dev.exporter.registry;

import dev.exporter.reference.Registry;
import dev.exporter.registry.http.HttpTransport;

import java.net.URI;
import java.util.function.Function;

/**
 * Picks the HTTP transport for a URL and creates each transport only when first needed: loading the JDK's trust store
 * costs a noticeable part of a small export's run time, and plain-HTTP or loopback registries never need it.
 * Loopback hosts get docker's "insecure registry" treatment (no certificate verification), as do the hosts of insecure
 * registries and everything with {@code --insecure}; every other https URL, including redirects away from a loopback
 * registry, is verified.
 */
final class HttpClients implements Function<URI, HttpTransport> {

    private final TransportOptions options;
    private volatile HttpTransport verifying;
    private volatile HttpTransport trusting;

    HttpClients(TransportOptions options) {
        this.options = options;
    }

    @Override
    public HttpTransport apply(URI uri) {
        boolean trust = "http".equalsIgnoreCase(uri.getScheme()) || options.insecureTls()
                || Registry.isLoopbackHost(uri.getHost())
                || options.insecureRegistries().contains(uri.getHost() + (uri.getPort() < 0 ? "" : ":" + uri.getPort()));
        return trust ? trusting() : verifying();
    }

    private HttpTransport verifying() {
        if (verifying == null) {
            synchronized (this) {
                if (verifying == null) {
                    verifying = new HttpTransport(() -> TlsContexts.verifying(options.caCert()), true, options.proxies(),
                            options.connectTimeout(), options.readTimeout());
                }
            }
        }
        return verifying;
    }

    private HttpTransport trusting() {
        if (trusting == null) {
            synchronized (this) {
                if (trusting == null) {
                    trusting = new HttpTransport(TlsContexts::trustAll, false, options.proxies(),
                            options.connectTimeout(), options.readTimeout());
                }
            }
        }
        return trusting;
    }
}
