package dev.exporter.registry;

import dev.exporter.reference.Registry;
import dev.exporter.registry.http.TlsProbe;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Whether to speak https or plain http to each registry: https, unless {@code --plain-http} says otherwise or
 * the registry is on this machine or named insecure and does not offer TLS (docker's rule for insecure registries).
 */
final class Schemes {

    /** How long a loopback registry gets to show whether it speaks TLS before a real handshake decides. */
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(2);

    private final boolean plainHttp;
    private final TransportOptions options;
    /** Loopback registries whose scheme is settled, by API host: {@code https://host} or {@code http://host}. */
    private final Map<String, String> settled = new ConcurrentHashMap<>();
    /**
     * Loopback registries the probe could not tell about (no answer in time): probed once, then https is tried, and
     * a TLS failure settles plain http. Without this every request before that probed again, one after the other.
     */
    private final Set<String> undecided = ConcurrentHashMap.newKeySet();

    Schemes(TransportOptions options) {
        this.plainHttp = options.plainHttp();
        this.options = options;
    }

    /** {@code https://host[:port]} or {@code http://host[:port]} for the registry's API host. */
    String baseUrl(Registry registry) {
        String apiHost = registry.apiHost();
        if (plainHttp) {
            return "http://" + apiHost;
        }
        if (!options.insecure(registry)) {
            return "https://" + apiHost;
        }
        String known = settled.get(apiHost);
        if (known == null && !undecided.contains(apiHost)) {
            known = settled.computeIfAbsent(apiHost, host -> {
                String answer = probe(host);
                if (answer == null) {
                    undecided.add(host);
                }
                return answer;
            });
        }
        return known != null ? known : "https://" + apiHost;
    }

    /** Whether {@link #baseUrl} would have to probe the registry first: insecure, and its scheme not settled yet. */
    boolean unsettled(Registry registry) {
        return !plainHttp && options.insecure(registry) && !settled.containsKey(registry.apiHost())
                && !undecided.contains(registry.apiHost());
    }

    /** Records that {@code base} worked for the registry. */
    void settled(Registry registry, String base) {
        if (options.insecure(registry)) {
            settled.putIfAbsent(registry.apiHost(), base);
        }
    }

    /**
     * Whether a loopback registry whose scheme the probe could not tell failed the TLS handshake at {@code base},
     * so that plain http is what it speaks; then that is settled and the caller tries again. Also true when another
     * request's failure settled plain http meanwhile (concurrent first requests all fail their handshakes), false
     * once https has worked there.
     */
    boolean fallBackToPlainHttp(Registry registry, String base, IOException failure) {
        if (!options.insecure(registry) || !base.startsWith("https://") || !RegistryErrors.isTlsFailure(failure)) {
            return false;
        }
        String plain = "http://" + registry.apiHost();
        String before = settled.putIfAbsent(registry.apiHost(), plain);
        return before == null || before.equals(plain);
    }

    /** https if the registry offers it, else plain http; null when the probe cannot tell. */
    private static String probe(String apiHost) {
        return switch (TlsProbe.probe(URI.create("https://" + apiHost), PROBE_TIMEOUT)) {
            case TLS -> "https://" + apiHost;
            case PLAIN_HTTP -> "http://" + apiHost;
            case UNKNOWN -> null;
        };
    }
}
