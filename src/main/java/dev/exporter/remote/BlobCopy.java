package dev.exporter.remote;

import dev.exporter.image.ContentException;
import dev.exporter.reference.Digest;
import dev.exporter.registry.BlobPuller;
import dev.exporter.registry.RegistryException;
import dev.exporter.registry.RegistryException.Kind;
import dev.exporter.registry.RegistryResponse;
import dev.exporter.text.Printable;
import dev.exporter.transfer.VerifyingStream;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * Streams one blob into an {@link OutputStream} through the {@link VerifyingStream}; nothing is held in memory
 * beyond a buffer. The size is the one given, else the one the response declares ({@code Content-Length}, or the
 * total of a {@code Content-Range}). Bytes already passed on cannot be taken back, so after a broken connection the
 * next attempt asks for the rest with {@code Range}; a registry that then sends anything but that rest fails the
 * copy instead of corrupting the output. The caller decides what a failed copy leaves behind (an
 * {@code AtomicOutputFile} leaves nothing).
 */
public final class BlobCopy implements BlobPuller.BlobReader<Long> {

    private static final int BUFFER = 256 * 1024;

    private final Digest digest;
    private final long expectedSize;
    private final OutputStream out;
    private final String action;
    private VerifyingStream verifier;

    /**
     * @param expectedSize the blob's size if known (e.g. from a manifest), else -1
     * @param action       what is being done to what, for error messages
     */
    public BlobCopy(Digest digest, long expectedSize, OutputStream out, String action) {
        this.digest = digest;
        this.expectedSize = expectedSize;
        this.out = out;
        this.action = action;
    }

    private long written() {
        return verifier == null ? 0 : verifier.received();
    }

    @Override
    public Map<String, String> headers() {
        return written() > 0 ? Map.of("Range", "bytes=" + written() + "-") : Map.of();
    }

    @Override
    public Long read(RegistryResponse response) throws IOException {
        long declared = declaredSize(response);
        if (expectedSize >= 0 && declared >= 0 && declared != expectedSize) {
            throw invalid(action + ": registry declares " + declared + " bytes but " + expectedSize + " were expected");
        }
        if (verifier == null) {
            verifier = VerifyingStream.expecting(digest, expectedSize >= 0 ? expectedSize : declared, action);
        }
        VerifyingStream in = verifier.wrap(response.body());
        byte[] buf = new byte[BUFFER];
        try {
            for (int n; (n = in.read(buf, 0, buf.length)) != -1; ) {
                write(buf, n);
            }
        } catch (ContentException e) {
            throw invalid(e.getMessage());
        }
        flush();
        return verifier.received();
    }

    /** A failing output is not the registry's fault, so it must not be retried as a broken connection. */
    private void write(byte[] buf, int n) {
        try {
            out.write(buf, 0, n);
        } catch (IOException e) {
            throw cannotWrite(e);
        }
    }

    private void flush() {
        try {
            out.flush();
        } catch (IOException e) {
            throw cannotWrite(e);
        }
    }

    private UncheckedIOException cannotWrite(IOException e) {
        return new UncheckedIOException(action + ": cannot write the output: " + e.getMessage(), e);
    }

    /** The blob's full size as the response states it, or -1; checks a resumed response starts where we stopped. */
    private long declaredSize(RegistryResponse response) {
        if (response.status() == 206) {
            String range = response.header("Content-Range");
            if (written() == 0 || !ContentRange.isRestOf(range, written(), verifier.size())) {
                throw cannotResume("an unexpected range '" + Printable.fragment(range, 100) + "'");
            }
            return ContentRange.total(range);
        }
        if (written() > 0) {
            throw cannotResume("the whole blob again (HTTP " + response.status() + ")");
        }
        String length = response.header("Content-Length");
        return length != null && length.matches("\\d{1,18}") ? Long.parseLong(length) : -1;
    }

    private RegistryException cannotResume(String what) {
        return new RegistryException(Kind.PROTOCOL, 0, action + ": the connection broke after " + written()
                + " bytes were written and the registry answered the request for the rest with " + what);
    }

    private static RegistryException invalid(String message) {
        return new RegistryException(Kind.INVALID_CONTENT, 0, message);
    }
}
