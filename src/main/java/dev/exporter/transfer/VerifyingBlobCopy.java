package dev.exporter.transfer;

import dev.exporter.reference.Digest;
import dev.exporter.registry.BlobPuller;
import dev.exporter.registry.RegistryException;
import dev.exporter.registry.RegistryException.Kind;
import dev.exporter.registry.RegistryResponse;
import dev.exporter.registry.http.NetworkException;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Streams one blob into an {@link OutputStream}, checking size and digest as the bytes pass; nothing is held in
 * memory beyond a buffer. The size is the one given, else the one the response declares ({@code Content-Length},
 * or the total of a {@code Content-Range}). Bytes already passed on cannot be taken back, so after a broken
 * connection the next attempt asks for the rest with {@code Range}; a registry that then sends anything but that
 * rest fails the copy instead of corrupting the output. The caller decides what a failed copy leaves behind
 * (an {@code AtomicOutputFile} leaves nothing).
 */
public final class VerifyingBlobCopy implements BlobPuller.BlobReader<Long> {

    private static final Pattern CONTENT_RANGE = Pattern.compile("bytes (\\d+)-(\\d+)/(\\d+|\\*)");
    private static final int BUFFER = 256 * 1024;

    private final Digest digest;
    private final long expectedSize;
    private final OutputStream out;
    private final String action;
    private final MessageDigest hasher;
    /** Bytes hashed and written so far, over all attempts. */
    private long written;

    /**
     * @param expectedSize the blob's size if known (e.g. from a manifest), else -1
     * @param action       what is being done to what, for error messages
     */
    public VerifyingBlobCopy(Digest digest, long expectedSize, OutputStream out, String action) {
        this.digest = digest;
        this.expectedSize = expectedSize;
        this.out = out;
        this.action = action;
        this.hasher = digest.newHasher();
    }

    @Override
    public Map<String, String> headers() {
        return written > 0 ? Map.of("Range", "bytes=" + written + "-") : Map.of();
    }

    @Override
    public Long read(RegistryResponse response) throws IOException {
        long declared = declaredSize(response);
        long size = expectedSize >= 0 ? expectedSize : declared;
        if (expectedSize >= 0 && declared >= 0 && declared != expectedSize) {
            throw invalid("registry declares " + declared + " bytes but " + expectedSize + " were expected");
        }
        InputStream in = response.body();
        byte[] buf = new byte[BUFFER];
        int n;
        while ((n = in.read(buf)) != -1) {
            if (size >= 0 && written + n > size) {
                throw invalid("registry sent more than the declared " + size + " bytes");
            }
            write(buf, n);
            hasher.update(buf, 0, n);
            written += n;
        }
        flush();
        if (size >= 0 && written < size) {
            throw new NetworkException("connection closed after " + written + " of " + size + " bytes");
        }
        if (!digest.matches(hasher.digest())) {
            throw invalid("digest mismatch: the " + written + " bytes received do not hash to " + digest);
        }
        return written;
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
            Matcher range = CONTENT_RANGE.matcher(String.valueOf(response.header("Content-Range")));
            if (!range.matches() || Long.parseLong(range.group(1)) != written) {
                throw cannotResume("an unexpected range '" + response.header("Content-Range") + "'");
            }
            return range.group(3).equals("*") ? -1 : Long.parseLong(range.group(3));
        }
        if (written > 0) {
            throw cannotResume("the whole blob again (HTTP " + response.status() + ")");
        }
        String length = response.header("Content-Length");
        return length != null && length.matches("\\d{1,18}") ? Long.parseLong(length) : -1;
    }

    private RegistryException cannotResume(String what) {
        return new RegistryException(Kind.PROTOCOL, 0, action + ": the connection broke after " + written
                + " bytes were written and the registry answered the request for the rest with " + what);
    }

    private RegistryException invalid(String why) {
        return new RegistryException(Kind.INVALID_CONTENT, 0, action + ": " + why);
    }
}
