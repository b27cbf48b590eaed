package dev.exporter.tar;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
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
 * Memory is bounded and reused: at most two blocks per thread are in flight, and their buffers and deflaters are
 * taken again by later blocks instead of being allocated (and set up, and collected) once per block.
 */
public final class ParallelGzipOutputStream extends OutputStream {

    /**
     * 256 KiB: every block starts by indexing the previous 32 KiB as its dictionary, an eighth more work at this size
     * (a quarter at pigz's 128 KiB); larger blocks measured no faster here and hold more memory in flight.
     */
    private static final int BLOCK = 256 * 1024;
    private static final int DICTIONARY = 32 * 1024;
    private static final int SAMPLE = 8 * 1024;
    /** The most a stored deflate block holds. */
    private static final int STORED_MAX = 65535;
    private static final byte[] HEADER = {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, (byte) 0xff};

    private final OutputStream out;
    private final int level;
    private final ExecutorService pool;
    private final int maxInFlight;
    private final Deque<InFlight> inFlight = new ArrayDeque<>();
    private final Queue<byte[]> freeBlocks = new ConcurrentLinkedQueue<>();
    private final Queue<byte[]> freeOutputs = new ConcurrentLinkedQueue<>();
    private final Queue<Deflater> deflaters = new ConcurrentLinkedQueue<>();
    private final Queue<Deflater> probes = new ConcurrentLinkedQueue<>();
    private final CRC32 crc = new CRC32();
    private byte[] block = new byte[BLOCK];
    private int filled;
    private final byte[] dictionary = new byte[DICTIONARY];
    private int dictionaryLength = -1;
    private long total;
    private boolean closed;

    /** A block handed to a thread: its input (given back once written) and its deflated bytes. */
    private record InFlight(byte[] input, Future<Deflated> output) {
    }

    /** The first {@code length} bytes of {@code bytes}. */
    private record Deflated(byte[] bytes, int length) {
    }

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
        byte[] dict = dictionaryLength < 0 ? null : Arrays.copyOf(dictionary, dictionaryLength);
        // Every block but the last is full, so the last 32 KiB of the input so far lie in this block.
        dictionaryLength = Math.min(DICTIONARY, length);
        System.arraycopy(input, length - dictionaryLength, dictionary, 0, dictionaryLength);
        inFlight.add(new InFlight(input, pool.submit(() -> deflate(input, length, dict, last))));
        byte[] free = freeBlocks.poll();
        block = free != null ? free : new byte[BLOCK];
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
    private Deflated deflate(byte[] input, int length, byte[] dict, boolean last) {
        if (incompressible(input, length)) {
            return stored(input, length, last);
        }
        Deflater deflater = deflaters.poll();
        if (deflater == null) {
            deflater = new Deflater(level, true);
        }
        try {
            if (dict != null) {
                deflater.setDictionary(dict);
            }
            deflater.setInput(input, 0, length);
            if (last) {
                deflater.finish();
            }
            byte[] buf = output(length + length / 8 + 1024);
            int size = 0;
            while (true) {
                size += deflater.deflate(buf, size, buf.length - size, last ? Deflater.NO_FLUSH : Deflater.SYNC_FLUSH);
                // A sync flush that leaves room in the buffer has consumed and flushed all input.
                if (last ? deflater.finished() : size < buf.length) {
                    return new Deflated(buf, size);
                }
                if (size == buf.length) {
                    buf = Arrays.copyOf(buf, buf.length * 2);
                }
            }
        } finally {
            deflater.reset();
            deflaters.add(deflater);
        }
    }

    /**
     * The block as stored deflate blocks, written here rather than by zlib (which would be set up for a copy): the
     * stream is on a byte boundary after every block, so each is one header byte (final bit, type 00), its length
     * and the length's complement, then the bytes.
     */
    private Deflated stored(byte[] input, int length, boolean last) {
        byte[] buf = output(length + (length / STORED_MAX + 1) * 5);
        int size = 0;
        int from = 0;
        do {
            int n = Math.min(STORED_MAX, length - from);
            boolean finalBlock = last && from + n == length;
            buf[size++] = (byte) (finalBlock ? 1 : 0);
            buf[size++] = (byte) n;
            buf[size++] = (byte) (n >>> 8);
            buf[size++] = (byte) ~n;
            buf[size++] = (byte) (~n >>> 8);
            System.arraycopy(input, from, buf, size, n);
            size += n;
            from += n;
        } while (from < length);
        return new Deflated(buf, size);
    }

    /** A reused output buffer of at least {@code size} bytes. */
    private byte[] output(int size) {
        byte[] buf = freeOutputs.poll();
        return buf != null && buf.length >= size ? buf : new byte[Math.max(size, BLOCK + BLOCK / 8 + 1024)];
    }

    /**
     * Whether two samples of the block (its start and its middle) both shrink by less than 2% at the fastest level:
     * a test of a pure function of the bytes, so the same input always gives the same output.
     */
    boolean incompressible(byte[] input, int length) {
        if (length < 2 * SAMPLE) {
            return false;
        }
        Deflater probe = probes.poll();
        if (probe == null) {
            probe = new Deflater(Deflater.BEST_SPEED, true);
        }
        try {
            return !shrinks(probe, input, 0) && !shrinks(probe, input, length / 2);
        } finally {
            probes.add(probe);
        }
    }

    private static boolean shrinks(Deflater probe, byte[] input, int from) {
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
            probe.reset();
        }
    }

    private void writeOldest() throws IOException {
        InFlight oldest = inFlight.removeFirst();
        try {
            Deflated deflated = oldest.output().get();
            out.write(deflated.bytes(), 0, deflated.length());
            freeOutputs.add(deflated.bytes());
            freeBlocks.add(oldest.input());
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
            // Every block is written (or the stream failed and its blocks are dropped): no thread holds a deflater
            // it will use again; one still deflating ends its own when the pool's interrupt lets it return.
            endAll(deflaters);
            endAll(probes);
            out.close();
        }
    }

    private static void endAll(Queue<Deflater> queue) {
        for (Deflater d; (d = queue.poll()) != null; ) {
            d.end();
        }
    }
}
