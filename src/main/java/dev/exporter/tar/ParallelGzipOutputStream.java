package dev.exporter.tar;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * A gzip stream compressed on several cores, as pigz does: the input is cut into blocks, each block is deflated on
 * its own thread with the previous block's last 32 KiB as its dictionary and ends with a sync flush (so it ends on
 * a byte boundary), and the blocks are written in order between one gzip header and one trailer. The result is an
 * ordinary single-member gzip file that {@code gzip -t}, {@code docker load} and {@code GZIPInputStream} read.
 * Memory is bounded: at most two blocks per thread are in flight.
 */
public final class ParallelGzipOutputStream extends OutputStream {

    private static final int BLOCK = 128 * 1024;
    private static final int DICTIONARY = 32 * 1024;
    private static final int SAMPLE = 8 * 1024;
    private static final byte[] HEADER = {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, (byte) 0xff};

    private final OutputStream out;
    private final int level;
    private final ExecutorService pool;
    private final int maxInFlight;
    private final Deque<Future<byte[]>> inFlight = new ArrayDeque<>();
    private final CRC32 crc = new CRC32();
    private byte[] block = new byte[BLOCK];
    private int filled;
    private byte[] dictionary;
    private long total;
    private boolean closed;

    public ParallelGzipOutputStream(OutputStream out, int level, int threads) throws IOException {
        this.out = out;
        this.level = level;
        this.maxInFlight = 2 * threads;
        this.pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "exporter-gzip");
            t.setDaemon(true);
            return t;
        });
        out.write(HEADER);
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] buf, int off, int len) throws IOException {
        crc.update(buf, off, len);
        total += len;
        while (len > 0) {
            int n = Math.min(len, BLOCK - filled);
            System.arraycopy(buf, off, block, filled, n);
            filled += n;
            off += n;
            len -= n;
            if (filled == BLOCK) {
                submit(false);
            }
        }
    }

    /** Hands the current block to a thread (the final one, possibly empty, finishes the deflate stream). */
    private void submit(boolean last) throws IOException {
        byte[] input = block;
        int length = filled;
        byte[] dict = dictionary;
        // Every block but the last is full, so the last 32 KiB of the input so far lie in this block.
        dictionary = Arrays.copyOfRange(input, Math.max(0, length - DICTIONARY), length);
        inFlight.add(pool.submit(() -> deflate(input, length, dict, last)));
        block = new byte[BLOCK];
        filled = 0;
        while (inFlight.size() >= maxInFlight) {
            writeOldest();
        }
    }

    /**
     * Deflates one block: ends on a byte boundary (sync flush), or ends the deflate stream when {@code last}. A block
     * that will not compress (already compressed layers in an OCI archive, random data, most binaries' media) is
     * stored instead, which costs a copy where deflating it would cost as much as deflating text and gain nothing.
     */
    private byte[] deflate(byte[] input, int length, byte[] dict, boolean last) {
        Deflater deflater = new Deflater(incompressible(input, length) ? Deflater.NO_COMPRESSION : level, true);
        try {
            if (dict != null) {
                deflater.setDictionary(dict);
            }
            deflater.setInput(input, 0, length);
            if (last) {
                deflater.finish();
            }
            byte[] buf = new byte[length + length / 8 + 1024];
            int size = 0;
            while (true) {
                size += deflater.deflate(buf, size, buf.length - size, last ? Deflater.NO_FLUSH : Deflater.SYNC_FLUSH);
                // A sync flush that leaves room in the buffer has consumed and flushed all input.
                if (last ? deflater.finished() : size < buf.length) {
                    return Arrays.copyOf(buf, size);
                }
                if (size == buf.length) {
                    buf = Arrays.copyOf(buf, buf.length * 2);
                }
            }
        } finally {
            deflater.end();
        }
    }

    /**
     * Whether two samples of the block (its start and its middle) both shrink by less than 2% at the fastest level:
     * a test of a pure function of the bytes, so the same input always gives the same output.
     */
    static boolean incompressible(byte[] input, int length) {
        if (length < 2 * SAMPLE) {
            return false;
        }
        return !shrinks(input, 0) && !shrinks(input, length / 2);
    }

    private static boolean shrinks(byte[] input, int from) {
        Deflater probe = new Deflater(Deflater.BEST_SPEED, true);
        try {
            probe.setInput(input, from, SAMPLE);
            probe.finish();
            byte[] out = new byte[SAMPLE + 64];
            int size = 0;
            while (!probe.finished() && size < out.length) {
                size += probe.deflate(out, size, out.length - size);
            }
            return probe.finished() && size < SAMPLE * 98 / 100;
        } finally {
            probe.end();
        }
    }

    private void writeOldest() throws IOException {
        try {
            out.write(inFlight.removeFirst().get());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("compressing was interrupted");
        } catch (ExecutionException e) {
            throw new IOException("gzip: " + e.getCause().getMessage(), e.getCause());
        }
    }

    /** Writes what is compressed so far; the stream stays open. */
    @Override
    public void flush() throws IOException {
        while (!inFlight.isEmpty()) {
            writeOldest();
        }
        out.flush();
    }

    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            submit(true);
            flush();
            long crcValue = crc.getValue();
            byte[] trailer = new byte[8];
            for (int i = 0; i < 4; i++) {
                trailer[i] = (byte) (crcValue >>> (8 * i));
                trailer[4 + i] = (byte) (total >>> (8 * i));
            }
            out.write(trailer);
        } finally {
            pool.shutdownNow();
            out.close();
        }
    }
}
