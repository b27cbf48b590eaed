package dev.exporter.registry;

import dev.exporter.registry.http.NetworkException;
import dev.exporter.registry.http.RequestBody;

import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * One registry API call: what to request and how to read a successful answer. {@link RegistryClient} runs it
 * with authentication, redirects, retries and error mapping, so endpoints only describe themselves.
 *
 * @param <T> what a successful call yields
 */
public interface RegistryEndpoint<T> {

    /** HTTP method: {@code GET}, {@code HEAD}, or for pushes {@code POST}, {@code PATCH}, {@code PUT}. */
    default String method() {
        return "GET";
    }

    /**
     * Path and query below the registry's base URL, e.g. {@code /v2/library/alpine/manifests/3.14}; or an absolute
     * http(s) URL, such as the {@code Location} of an upload, which gets the registry's credentials only when it is
     * on the registry's own origin.
     */
    String path();

    /** What the request sends, or null for nothing; sent again on every attempt. */
    default RequestBody body() {
        return null;
    }

    /**
     * Whether a successful answer's body is a download that may take long (a layer): it must then keep a minimum
     * rate instead of arriving whole within the deadline that bounds every head and small body.
     */
    default boolean download() {
        return false;
    }

    /** Accepted media types, or empty for any. */
    default List<String> accept() {
        return List.of();
    }

    /** Extra request headers, asked for on every attempt (so a resumed download can send {@code Range}). */
    default Map<String, String> headers() {
        return Map.of();
    }

    /** The repository whose token scope this call needs. */
    String repository();

    /** The token scope actions this call needs. */
    default String actions() {
        return "pull";
    }

    /**
     * The token scope this call needs, {@code repository:<name>:<actions>}, several separated by spaces (a
     * cross-repository mount also reads the repository it mounts from); empty when authentication alone suffices.
     */
    default String scope() {
        return "repository:" + repository() + ":" + actions();
    }

    /** What is being done to what, for error messages: {@code pull manifest docker.io/library/alpine:3.14}. */
    String description();

    /** What a 404 means for this call, e.g. {@code tag not found}. */
    default String notFoundMessage() {
        return "not found";
    }

    /**
     * Reads a 2xx response. A failure reading the body arrives as a {@link NetworkException}; thrown on, it makes the
     * call retried while retries remain, so handlers must be able to continue or restart. A handler that finds the
     * body cut short throws a {@code NetworkException} too. Any other {@link IOException} (writing a file) is the
     * handler's own: it is reported at once as a local write failure and never retried.
     */
    T handle(RegistryResponse response) throws IOException;
}
