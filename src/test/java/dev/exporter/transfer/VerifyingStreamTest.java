package dev.exporter.transfer;

import dev.exporter.image.ContentException;
import dev.exporter.reference.Digest;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The one check under every blob and manifest read. */
class VerifyingStreamTest {

    private static final byte[] BLOB = "verified content, ".repeat(500).getBytes(StandardCharsets.UTF_8);
    private static final Digest DIGEST = Digest.sha256Of(BLOB);

    private static InputStream in(byte[] bytes) {
        return new ByteArrayInputStream(bytes);
    }

    @Test
    void wholeBlob_readsThroughAndCounts() throws IOException {
        VerifyingStream stream = VerifyingStream.of(in(BLOB), DIGEST, BLOB.length, "read x");
        assertArrayEquals(BLOB, stream.readAllBytes());
        assertEquals(BLOB.length, stream.received());
    }

    @Test
    void shortBody_isTruncatedNotWrongContent() {
        VerifyingStream stream = VerifyingStream.of(in(Arrays.copyOf(BLOB, 100)), DIGEST, BLOB.length, "read x");
        VerifyingStream.Truncated e = assertThrows(VerifyingStream.Truncated.class, stream::drain);
        assertEquals("content ended after 100 of " + BLOB.length + " bytes", e.getMessage());
    }

    @Test
    void longBody_isRefusedAtTheFirstByteTooMany() {
        byte[] longer = Arrays.copyOf(BLOB, BLOB.length + 1);
        VerifyingStream stream = VerifyingStream.of(in(longer), DIGEST, BLOB.length, "read x");
        ContentException e = assertThrows(ContentException.class, stream::drain);
        assertEquals("read x: sent more than the declared " + BLOB.length + " bytes", e.getMessage());
        assertTrue(stream.received() <= BLOB.length);
    }

    @Test
    void otherBytesOfTheRightSize_areADigestMismatch() {
        byte[] other = BLOB.clone();
        other[42] ^= 1;
        ContentException e = assertThrows(ContentException.class,
                () -> VerifyingStream.of(in(other), DIGEST, BLOB.length, "read x").drain());
        assertTrue(e.getMessage().startsWith("read x: digest mismatch"), e.getMessage());
    }

    @Test
    void unknownSize_stillChecksTheDigest() {
        byte[] other = Arrays.copyOf(BLOB, 10);
        assertThrows(ContentException.class, () -> VerifyingStream.of(in(other), DIGEST, -1, "read x").drain());
    }

    @Test
    void resume_continuesTheSameHashOverTheRest() throws IOException {
        VerifyingStream verifier = VerifyingStream.expecting(DIGEST, BLOB.length, "read x");
        int half = BLOB.length / 2;
        assertThrows(VerifyingStream.Truncated.class, () -> verifier.wrap(in(Arrays.copyOf(BLOB, half))).drain());
        assertEquals(half, verifier.received());

        assertEquals(BLOB.length, verifier.wrap(in(Arrays.copyOfRange(BLOB, half, BLOB.length))).drain());
    }

    @Test
    void restart_forgetsWhatWasRead() throws IOException {
        VerifyingStream verifier = VerifyingStream.expecting(DIGEST, BLOB.length, "read x");
        assertThrows(VerifyingStream.Truncated.class, () -> verifier.wrap(in(Arrays.copyOf(BLOB, 7))).drain());

        assertEquals(BLOB.length, verifier.restart().wrap(in(BLOB)).drain());
    }

    @Test
    void readAll_capsWhatIsHeld() {
        ContentException e = assertThrows(ContentException.class,
                () -> VerifyingStream.of(in(BLOB), DIGEST, BLOB.length, "read x").readAll(100));
        assertTrue(e.getMessage().contains("over the limit of 100 bytes"), e.getMessage());
        assertThrows(ContentException.class, () -> VerifyingStream.of(in(BLOB), DIGEST, -1, "read x").readAll(100));
    }
}
