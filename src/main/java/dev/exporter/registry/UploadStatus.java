package dev.exporter.registry;

import dev.exporter.reference.ImageReference;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code GET <location>}: how much of a broken upload the registry kept. It answers 204 with
 * {@code Range: 0-<last byte>} (or none yet) and the {@code Location} to go on with.
 */
public final class UploadStatus extends PushEndpoint<UploadStatus.Received> {

    private static final Pattern RANGE = Pattern.compile("(?:bytes=)?0-([0-9]{1,18})");

    /** Bytes the registry holds and where the upload goes on. */
    public record Received(long bytes, String location) {
    }

    private final String location;
    private final String what;

    public UploadStatus(ImageReference repository, String location, String what) {
        super(repository);
        this.location = location;
        this.what = what;
    }

    @Override
    public String path() {
        return location;
    }



    @Override
    public String description() {
        return what + ": ask how much the registry received";
    }

    @Override
    public Received handle(RegistryResponse response) {
        String range = response.header("Range");
        String next = response.header("Location");
        long bytes = 0;
        if (range != null) {
            Matcher m = RANGE.matcher(range.trim());
            if (!m.matches()) {
                throw new RegistryException(RegistryException.Kind.PROTOCOL, response.status(), description()
                        + ": invalid Range '" + dev.exporter.text.Printable.fragment(range, 60) + "'");
            }
            bytes = Long.parseLong(m.group(1)) + 1;
        }
        return new Received(bytes, next == null || next.isBlank() ? location : next.trim());
    }
}
