package dev.exporter.registry;

import dev.exporter.reference.ImageReference;

/**
 * {@code DELETE <location>}: ends an upload session that will not be completed, so the registry drops what it
 * received at once instead of keeping it until its stale uploads are purged (distribution: after a week).
 */
public final class UploadCancel extends PushEndpoint<Void> {

    private final String location;
    private final String what;

    public UploadCancel(ImageReference repository, String location, String what) {
        super(repository);
        this.location = location;
        this.what = what;
    }

    @Override
    public String method() {
        return "DELETE";
    }

    @Override
    public String path() {
        return location;
    }

    @Override
    public String description() {
        return what + ": cancel the upload";
    }

    @Override
    public Void handle(RegistryResponse response) {
        return null;
    }
}
