package dev.exporter.registry;

import java.io.IOException;
import java.io.OutputStream;

/**
 * {@code GET /v2/}: the API version check. Answered with 200 once the client is authenticated, which makes it
 * the call that verifies credentials at login (a token without any repository scope, as docker login asks for).
 */
public final class RegistryPing implements RegistryEndpoint<Integer> {

    private final String registry;

    public RegistryPing(String registry) {
        this.registry = registry;
    }

    @Override
    public String path() {
        return "/v2/";
    }

    /** No repository is involved; access-denied messages name the registry. */
    @Override
    public String repository() {
        return "(any)";
    }

    @Override
    public String scope() {
        return "";
    }

    @Override
    public String description() {
        return "check credentials for " + registry;
    }

    /** Returns the HTTP status. */
    @Override
    public Integer handle(RegistryResponse response) throws IOException {
        response.body().transferTo(OutputStream.nullOutputStream());
        return response.status();
    }
}
