package dev.exporter.tar;

import dev.exporter.testing.ExternalTools;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.zip.Deflater;
import java.util.zip.GZIPInputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The multi-core gzip writer makes one ordinary gzip member, whatever the sizes and however it is written. */
class ParallelGzipOutputStreamTest {

    @TempDir
    Path dir;

    /** Half compressible text, half random bytes: both kinds of block, and back-references across blocks. */
    private static byte[] content(int size) {
        byte[] data = new byte[size];
        Random random = new Random(size);
        byte[] words = "layer registry manifest config digest ".repeat(50).getBytes();
        for (int i = 0; i < size; i++) {
            data[i] = (i / 100_000) % 2 == 0 ? words[i % words.length] : (byte) random.nextInt();
        }
        return data;
    }

    private static byte[] compress(byte[] data, int chunk) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ParallelGzipOutputStream gz = new ParallelGzipOutputStream(out, Deflater.DEFAULT_COMPRESSION, 2)) {
            for (int off = 0; off < data.length; off += chunk) {
                gz.write(data, off, Math.min(chunk, data.length - off));
            }
        }
        return out.toByteArray();
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 131071, 131072, 131073, 1048575, 1048576, 1048577, 3_000_000})
    void roundTrip_throughTheJdksReader(int size) throws IOException {
        byte[] data = content(size);
        byte[] gz = compress(data, 7919);
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(gz))) {
            assertArrayEquals(data, in.readAllBytes());
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 4096, 1 << 20})
    void gzipItself_acceptsAndRestoresIt(int chunk) throws Exception {
        ExternalTools.require("gzip");
        byte[] data = content(2_500_000);
        Path file = dir.resolve("data.gz");
        Files.write(file, compress(data, chunk));

        Process test = new ProcessBuilder("gzip", "-t", file.toString()).redirectErrorStream(true).start();
        assertTrue(test.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, test.exitValue(), new String(test.getInputStream().readAllBytes()));
        Process unzip = new ProcessBuilder("gzip", "-dc", file.toString()).start();
        byte[] restored = unzip.getInputStream().readAllBytes();
        assertTrue(unzip.waitFor(30, TimeUnit.SECONDS));
        assertArrayEquals(data, restored);
    }

    @ParameterizedTest
    @ValueSource(ints = {3_000_000})
    void compresses(int size) throws IOException {
        byte[] data = content(size);
        assertTrue(compress(data, 65536).length < size * 0.6, "text blocks compress");
    }

    @org.junit.jupiter.api.Test
    void randomBlocks_areStored_textBlocksDeflated_andTheOutputIsAPureFunctionOfTheInput() throws IOException {
        byte[] random = new byte[1 << 20];
        new Random(1).nextBytes(random);
        byte[] text = "layer registry manifest config digest ".repeat(30_000).getBytes();

        try (ParallelGzipOutputStream probe = new ParallelGzipOutputStream(OutputStream.nullOutputStream(), 1, 1)) {
            assertTrue(probe.incompressible(random, 128 * 1024));
            assertTrue(!probe.incompressible(text, 128 * 1024));
        }
        byte[] gz = compress(random, 10_000);
        // stored: 5 bytes of header per 64 KiB stored block and the gzip frame, never the growth deflate would add
        assertTrue(gz.length < random.length + 1024, "stored: " + gz.length);
        assertArrayEquals(gz, compress(random, 4096));
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(gz))) {
            assertArrayEquals(random, in.readAllBytes());
        }
    }
}
