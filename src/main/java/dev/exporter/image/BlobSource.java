package dev.exporter.image;

import dev.exporter.reference.ImageReference;

import java.io.IOException;
import java.io.InputStream;

/**
 * Where the blobs of resolved images are read from: a registry (resumable, retried), or a file. The reader is
 * called once per attempt; the source decides from {@link BlobRead#resumeAt()} whether to ask for the rest only.
 */
public interface BlobSource {

    /** Reads {@code blob} of {@code repository} through {@code read}, as many attempts as the source allows. */
    <T> T read(ImageReference repository, Descriptor blob, BlobRead<T> read);

    /** What reading the blob is, for messages: {@code pull blob sha256:... of docker.io/library/alpine}. */
    String describe(ImageReference repository, Descriptor blob);

    /**
     * The last {@code length} bytes of {@code blob}, unverified (a hint such as a gzip trailer's size), or null when
     * the source cannot tell them cheaply.
     */
    default byte[] tail(ImageReference repository, Descriptor blob, int length) {
        return null;
    }

    /**
     * Reads bytes {@code [from, to)} of {@code blob} through {@code read} (whose offsets are blob offsets), as many
     * attempts as the source allows, for downloading a large blob over several connections. A source that cannot
     * serve ranges throws {@link RangesNotServed}, at once and on every call.
     */
    default <T> T readRange(ImageReference repository, Descriptor blob, long from, long to, BlobRead<T> read) {
        throw new RangesNotServed(describe(repository, blob) + ": byte ranges are not served");
    }

    /**
     * Whether one connection to where {@code repository}'s blobs come from is likely as fast as several, so that a
     * large blob gains nothing from parallel ranges (which cost a request each and a read-back): the source answers
     * within a few milliseconds, as a registry on the same machine or network does. False when not known.
     */
    default boolean nearby(ImageReference repository) {
        return false;
    }

    /** The source sent something other than the range asked for: read the blob as one stream instead. */
    final class RangesNotServed extends RuntimeException {
        public RangesNotServed(String message) {
            super(message, null, false, false);
        }
    }

    /** What one attempt does with a blob's bytes. */
    interface BlobRead<T> {

        /** Bytes already held from earlier attempts, where the next one may start; 0 for the whole blob. */
        default long resumeAt() {
            return 0;
        }

        /**
         * Reads {@code body}, which starts at blob byte {@code offset}: {@link #resumeAt()} when the source could
         * resume, else 0. An {@link IOException} from {@code body} is the source's failure (worth another attempt).
         */
        T read(long offset, InputStream body) throws IOException;
    }
}
