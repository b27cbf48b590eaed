package dev.exporter.remote;

import dev.exporter.reference.Digest;
import dev.exporter.registry.RegistryException;
import dev.exporter.registry.RegistryException.Kind;
import dev.exporter.registry.RegistryResponse;
import dev.exporter.registry.http.Headers;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The streaming size-and-digest check behind {@code exporter blob}, fed with hand-made responses. */
class BlobCopyTest {

    private static final byte[] BLOB = "0123456789abcdefghijklmnopqrstuvwxyz".repeat(100).getBytes(StandardCharsets.UTF_8);
    private static final Digest DIGEST = Digest.sha256Of(BLOB);

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final BlobCopy copy = new BlobCopy(DIGEST, -1, out, "pull blob x");

    @Test
    void read_wholeBlob_passesItThroughAndReturnsItsSize() throws IOException {
        assertEquals(BLOB.length, copy.read(response(200, BLOB, "Content-Length", String.valueOf(BLOB.length))));
        assertArrayEquals(BLOB, out.toByteArray());
    }

    @Test
    void read_withoutContentLength_stillChecksTheDigest() throws IOException {
        assertEquals(BLOB.length, copy.read(response(200, BLOB)));
    }

    @Test
    void read_ofOtherBytes_failsWithDigestMismatch() {
        byte[] other = BLOB.clone();
        other[7] ^= 1;
        RegistryException e = assertThrows(RegistryException.class, () -> copy.read(response(200, other)));
        assertEquals(Kind.INVALID_CONTENT, e.kind());
        assertTrue(e.getMessage().startsWith("pull blob x: digest mismatch"), e.getMessage());
    }

    @Test
    void read_ofMoreThanDeclared_failsBeforeWritingTheExcess() {
        RegistryException e = assertThrows(RegistryException.class,
                () -> copy.read(response(200, BLOB, "Content-Length", "10")));
        assertEquals(Kind.INVALID_CONTENT, e.kind());
        assertEquals(0, out.size());
    }

    @Test
    void read_ofSizeOtherThanExpected_fails() {
        BlobCopy sized = new BlobCopy(DIGEST, BLOB.length + 1, out, "pull blob x");
        assertThrows(RegistryException.class,
                () -> sized.read(response(200, BLOB, "Content-Length", String.valueOf(BLOB.length))));
    }

    @Test
    void read_afterBrokenConnection_asksForTheRestAndVerifiesTheWhole() throws IOException {
        int half = BLOB.length / 2;
        IOException broken = assertThrows(IOException.class, () -> copy.read(
                response(200, Arrays.copyOf(BLOB, half), "Content-Length", String.valueOf(BLOB.length))));
        assertTrue(broken.getMessage().contains("after " + half + " of " + BLOB.length), broken.getMessage());
        assertEquals(Map.of("Range", "bytes=" + half + "-"), copy.headers());

        long total = copy.read(response(206, Arrays.copyOfRange(BLOB, half, BLOB.length),
                "Content-Range", "bytes " + half + "-" + (BLOB.length - 1) + "/" + BLOB.length));

        assertEquals(BLOB.length, total);
        assertArrayEquals(BLOB, out.toByteArray());
    }

    @Test
    void read_whenRegistryIgnoresTheRange_failsRatherThanWritingTheStartTwice() {
        int half = BLOB.length / 2;
        assertThrows(IOException.class, () -> copy.read(
                response(200, Arrays.copyOf(BLOB, half), "Content-Length", String.valueOf(BLOB.length))));

        RegistryException e = assertThrows(RegistryException.class, () -> copy.read(response(200, BLOB)));

        assertEquals(Kind.PROTOCOL, e.kind());
        assertEquals(half, out.size());
    }

    @Test
    void read_whenTheResumeAnswerHasAHugeRange_failsAsAProtocolErrorNotAnInternalOne() {
        int half = BLOB.length / 2;
        assertThrows(IOException.class, () -> copy.read(
                response(200, Arrays.copyOf(BLOB, half), "Content-Length", String.valueOf(BLOB.length))));

        RegistryException e = assertThrows(RegistryException.class, () -> copy.read(response(206, BLOB,
                "Content-Range", "bytes 99999999999999999999-1/2")));

        assertEquals(Kind.PROTOCOL, e.kind());
        assertTrue(e.getMessage().contains("unexpected range 'bytes 99999999999999999999-1/2'"), e.getMessage());
        assertEquals(half, out.size());
    }

    @Test
    void read_whenOutputFails_throwsUncheckedSoTheCallIsNotRetried() {
        OutputStream full = new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                throw new IOException("No space left on device");
            }
        };
        BlobCopy toFullDisk = new BlobCopy(DIGEST, -1, full, "pull blob x");

        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> toFullDisk.read(response(200, BLOB)));

        assertEquals("pull blob x: cannot write the output: No space left on device", e.getMessage());
    }

    private static RegistryResponse response(int status, byte[] body, String... headers) {
        Map<String, List<String>> map = new HashMap<>();
        for (int i = 0; i < headers.length; i += 2) {
            map.put(headers[i], List.of(headers[i + 1]));
        }
        return new RegistryResponse(status, new Headers(map), new ByteArrayInputStream(body));
    }
}
