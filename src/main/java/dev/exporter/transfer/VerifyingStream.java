package dev.exporter.transfer;

import dev.exporter.image.ContentException;
import dev.exporter.reference.Digest;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;

/**
 * The one check under every blob and manifest read: counts and hashes the bytes as they pass, refuses a byte past
 * the declared size ({@link ContentException}), and at the end of the input fails when bytes are missing
 * ({@link Truncated}, an {@link EOFException} whose message the caller puts in context) or the digest differs
 * ({@link ContentException}, whose message starts with the action). The state outlives
 * one input: after a broken connection {@link #received()} says where to resume, and {@link #wrap} continues the
 * same hash over the rest, so nothing is read twice; {@link #restart()} starts over.
 */
public final class VerifyingStream extends InputStream {

    /** The input ended before the declared size: worth resuming or retrying, unlike wrong content. */
    public static final class Truncated extends EOFException {
        public Truncated(String message) {
            super(message);
        }
    }

    private final Digest digest;
    private final long size;
    private final String action;
    private final MessageDigest hasher;
    private InputStream in = InputStream.nullInputStream();
    private long received;
    private boolean verified;

    private VerifyingStream(Digest digest, long size, String action) {
        this.digest = digest;
        this.size = size;
        this.action = action;
        this.hasher = digest.newHasher();
    }

    /**
     * A verifier of {@code size} bytes (-1 when unknown: only the digest is checked) hashing to {@code digest}; it
     * reads nothing until {@link #wrap} gives it an input.
     *
     * @param action what is being done to what, for messages: {@code pull blob sha256:... of docker.io/library/x}
     */
    public static VerifyingStream expecting(Digest digest, long size, String action) {
        return new VerifyingStream(digest, size, action);
    }

    /** {@code in}, verified from its first byte. */
    public static VerifyingStream of(InputStream in, Digest digest, long size, String action) {
        return expecting(digest, size, action).wrap(in);
    }

    /** Reads on from {@code next}, which must continue exactly at byte {@link #received()}. */
    public VerifyingStream wrap(InputStream next) {
        this.in = next;
        return this;
    }

    /** Forgets everything read: the next input starts at byte 0. */
    public VerifyingStream restart() {
        hasher.reset();
        received = 0;
        verified = false;
        return this;
    }

    public long received() {
        return received;
    }

    /** The declared size, or -1. */
    public long size() {
        return size;
    }

    public Digest digest() {
        return digest;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) == -1 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] buf, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        int n = in.read(buf, off, len);
        if (n < 0) {
            finish();
            return -1;
        }
        if (size >= 0 && received + n > size) {
            throw new ContentException(action + ": sent more than the declared " + size + " bytes");
        }
        hasher.update(buf, off, n);
        received += n;
        return n;
    }

    /** Reads what is left (so the end is checked) and returns the byte count. */
    public long drain() throws IOException {
        byte[] buf = new byte[64 * 1024];
        while (read(buf, 0, buf.length) != -1) {
            // every read counts and hashes
        }
        return received;
    }

    /** Reads the whole (small) content into memory, verified; {@code max} caps what is held. */
    public byte[] readAll(int max) throws IOException {
        if (size > max) {
            throw new ContentException(action + ": declared size " + size + " is over the limit of " + max + " bytes");
        }
        byte[] content = readNBytes(max + 1);
        if (content.length > max) {
            throw new ContentException(action + ": more than " + max + " bytes");
        }
        if (read() != -1 || !verified) {
            finish();
        }
        return content;
    }

    private void finish() throws IOException {
        if (verified) {
            return;
        }
        if (size >= 0 && received < size) {
            throw new Truncated("content ended after " + received + " of " + size + " bytes");
        }
        if (!digest.matches(hasher.digest())) {
            hasher.reset();
            throw new ContentException(action + ": digest mismatch: the " + received + " bytes read do not hash to "
                    + digest);
        }
        verified = true;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
