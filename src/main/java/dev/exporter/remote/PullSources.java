package dev.exporter.remote;

import dev.exporter.mirrors.RegistriesConf;
import dev.exporter.mirrors.Source;
import dev.exporter.mirrors.Sources;
import dev.exporter.reference.ImageReference;
import dev.exporter.registry.RegistryClient;
import dev.exporter.registry.RegistryEndpoint;
import dev.exporter.registry.RegistryException;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Where pulls go: for each reference the places {@link Sources} names (mirrors in order, then the primary location),
 * each reached with its own client. A reference is found at the first place that answers its first request; a
 * mirror gets one attempt (its client has a short connect timeout), so a dead, refusing or incomplete mirror costs
 * seconds, and only the primary location gets the full retries. When every place fails, the error names them all.
 */
public final class PullSources {

    private final Sources sources;
    private final RegistryClient primaries;
    private final RegistryClient mirrors;

    /**
     * @param primaries the client for primary locations
     * @param mirrors   the client for mirrors: the same credentials and TLS options, a shorter connect timeout
     */
    public PullSources(Sources sources, RegistryClient primaries, RegistryClient mirrors) {
        this.sources = sources;
        this.primaries = primaries;
        this.mirrors = mirrors;
    }

    /** Every reference pulled from where it says, without mirrors or rewrites. */
    public static PullSources direct(RegistryClient client) {
        return new PullSources(new Sources(RegistriesConf.empty(), List.of()), client, client);
    }

    /**
     * One place an image is read from: the physical reference (registry, repository, tag or digest) and the client
     * that reaches it.
     */
    public record Place(Source source, RegistryClient client) {

        public ImageReference reference() {
            return source.reference();
        }

        /** Runs {@code endpoint} here, with the client's retries. */
        public <T> T call(RegistryEndpoint<T> endpoint) {
            return client.call(source.reference(), endpoint);
        }
    }

    /** What the first place that answered gave, and that place. */
    public record Found<T>(Place place, T value) {
    }

    /**
     * Runs the endpoint {@code request} makes for a physical reference at each place in turn, until one answers.
     *
     * @throws dev.exporter.mirrors.BlockedException when registries.conf blocks the name
     * @throws RegistryException                      the primary location's failure, naming the mirrors tried first
     */
    public <T> Found<T> first(ImageReference reference, Function<ImageReference, RegistryEndpoint<T>> request) {
        List<String> skipped = new ArrayList<>();
        for (Source source : sources.pull(reference)) {
            Place place = place(source);
            RegistryEndpoint<T> endpoint = request.apply(source.reference());
            if (!source.mirror()) {
                try {
                    return new Found<>(place, place.call(endpoint));
                } catch (RegistryException e) {
                    throw skipped.isEmpty() ? e : new RegistryException(e.kind(), e.status(), e.getMessage()
                            + " (mirrors tried first: " + String.join("; ", skipped) + ")", e);
                }
            }
            try {
                return new Found<>(place, place.client().callOnce(source.reference(), endpoint));
            } catch (RegistryException e) {
                String prefix = endpoint.description() + ": ";
                String why = e.getMessage().startsWith(prefix) ? e.getMessage().substring(prefix.length()) : e.getMessage();
                skipped.add(source.reference() + ": " + why);
            }
        }
        throw new IllegalStateException("no primary location for " + reference);
    }

    /**
     * Opens {@code connections} connections in the background to the place {@code reference} is asked for first
     * (its first mirror, else its primary location), ready for the requests of a pull.
     */
    public void preconnect(ImageReference reference, int connections) {
        Place first = place(sources.pull(reference).get(0));
        first.client().preconnect(first.reference(), connections);
    }

    /** The primary location of {@code reference}, where it is read from when it was never looked up. */
    public Place primary(ImageReference reference) {
        List<Source> all = sources.pull(reference);
        return place(all.get(all.size() - 1));
    }

    private Place place(Source source) {
        return new Place(source, source.mirror() ? mirrors : primaries);
    }
}
