package dev.exporter.registry;

import dev.exporter.reference.Digest;
import dev.exporter.reference.ImageReference;
import dev.exporter.registry.http.RequestBody;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/**
 * {@code POST /v2/<name>/blobs/uploads/}: opens an upload session, or with {@code mount} and {@code from} asks the
 * registry to link a blob it already holds in another repository. A 201 answer means mounted (nothing to send);
 * a 202 gives the {@code Location} where the upload goes on, also when a registry declines the mount.
 */
public final class UploadStart extends PushEndpoint<UploadStart.Started> {

    /** The registry's answer: mounted, or where to upload. */
    public record Started(boolean mounted, String location) {
    }

    private final Digest mount;
    private final ImageReference from;

    /** A plain upload session. */
    public UploadStart(ImageReference repository) {
        this(repository, null, null);
    }

    /** A mount of {@code mount} from {@code from} (a repository of the same registry), or else a session. */
    public UploadStart(ImageReference repository, Digest mount, ImageReference from) {
        super(repository);
        this.mount = mount;
        this.from = from;
    }

    @Override
    public String method() {
        return "POST";
    }

    @Override
    public String path() {
        String path = "/v2/" + target.repository() + "/blobs/uploads/";
        return mount == null ? path : path + "?mount=" + mount + "&from="
                + URLEncoder.encode(from.repository(), StandardCharsets.UTF_8);
    }

    @Override
    public RequestBody body() {
        return RequestBody.of(new byte[0]);
    }



    @Override
    public String scope() {
        String own = super.scope();
        return mount == null ? own : own + " repository:" + from.repository() + ":pull";
    }

    @Override
    public String description() {
        return mount == null ? "start upload to " + target.fullName()
                : "mount blob " + mount + " from " + from.repository() + " into " + target.fullName();
    }

    @Override
    public Started handle(RegistryResponse response) {
        if (response.status() == 201 && mount != null) {
            return new Started(true, null);
        }
        String location = response.header("Location");
        if (location == null || location.isBlank()) {
            throw new RegistryException(RegistryException.Kind.PROTOCOL, response.status(), description()
                    + ": the registry answered HTTP " + response.status() + " without an upload Location");
        }
        return new Started(false, location.trim());
    }
}
