package dev.exporter.registry.http;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;

/**
 * One open TCP (or TLS) connection to an origin, used by one exchange at a time. Its reads keep the exchange's
 * {@link Pace}: a deadline for the head and a small body, or a minimum rate for a download; the {@link Watchdog}
 * cuts a read that waits past either.
 */
final class Connection implements Closeable, Watchdog.Watched {

    private static final int READ_BUFFER = 64 * 1024;
    private static final int MAX_LINE = 16 * 1024;
    private static final long NO_DEADLINE = Long.MAX_VALUE;

    final String origin;
    /** The forward proxy plain-HTTP requests on this connection go through, or null. */
    final HttpProxy forwardProxy;
    private final Socket socket;
    /** The TCP socket under a TLS one (the same as {@code socket} without TLS): closing it ends a blocked TLS read. */
    private final Socket tcp;
    private final Pace pace;
    private final InputStream in;
    private final OutputStream out;

    /** {@link System#nanoTime()} by which the exchange's answer must be in, or {@link #NO_DEADLINE}. */
    private volatile long deadline = NO_DEADLINE;
    private volatile boolean download;
    /** When the read under way began, or 0 when none is. */
    private volatile long readingSince;
    /** A download's bytes and waiting time in the current window. */
    private volatile long windowBytes;
    private volatile long windowWaited;
    /** Why the watchdog cut the connection, or null. */
    private volatile String cut;
    /** When the write under way began, or 0 when none is; a write may wait at most the read timeout. */
    private volatile long writingSince;
    private volatile long writeTimeoutMillis = Long.MAX_VALUE;
    /** Why the watchdog cut a write, or null. */
    private volatile String writeCut;

    Connection(String origin, Socket socket, Socket tcp, HttpProxy forwardProxy, Pace pace) throws IOException {
        this.origin = origin;
        this.forwardProxy = forwardProxy;
        this.socket = socket;
        this.tcp = tcp;
        this.pace = pace;
        // Reads at least as large as the buffer go straight into the caller's array.
        this.in = new BufferedInputStream(new Paced(socket.getInputStream()), READ_BUFFER);
        this.out = new BufferedOutputStream(new TimedWrites(socket.getOutputStream()), 8 * 1024);
        Watchdog.watch(this);
    }

    /**
     * Each read waits at most {@code millis}, and so does each write: a socket's read timeout does not apply to
     * writes, so without the watchdog a server that stops reading an upload would block its sender forever.
     */
    void timeout(long millis) throws SocketException {
        socket.setSoTimeout((int) Math.max(1, Math.min(Integer.MAX_VALUE, millis)));
        writeTimeoutMillis = Math.max(1, millis);
    }

    /** Starts an exchange's wait for its answer: the head and a small body must be in within the deadline. */
    void awaitAnswer() {
        download = false;
        deadline = System.nanoTime() + pace.deadline().toNanos();
    }

    /** The rest of the answer is a download: no deadline, but the minimum rate from here on. */
    void download() {
        windowBytes = 0;
        windowWaited = 0;
        download = true;
        deadline = NO_DEADLINE;
    }

    /** Brings the deadline forward to within {@code nanos} from now, if it is later. */
    void deadlineWithin(long nanos) {
        long soon = System.nanoTime() + nanos;
        if (download || soon - deadline < 0) {
            download = false;
            deadline = soon;
        }
    }

    OutputStream out() {
        return out;
    }

    int read(byte[] buf, int off, int len) throws IOException {
        return in.read(buf, off, len);
    }

    /** A header or chunk-size line without its line end (CRLF, or a bare LF as most clients accept). */
    String readLine() throws IOException {
        return readLine(in);
    }

    static String readLine(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder(64);
        while (true) {
            int b = in.read();
            if (b == -1) {
                throw new EOFException(line.isEmpty() ? "connection closed by the server" : "connection closed in the middle of a header line");
            }
            if (b == '\n') {
                int end = line.length();
                return end > 0 && line.charAt(end - 1) == '\r' ? line.substring(0, end - 1) : line.toString();
            }
            if (line.length() >= MAX_LINE) {
                throw new IOException("header line longer than " + MAX_LINE + " bytes");
            }
            line.append((char) b);
        }
    }

    static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.ISO_8859_1);
    }

    @Override
    public void check(long now) {
        long writing = writingSince;
        if (writing != 0 && writeCut == null && now - writing >= writeTimeoutMillis * 1_000_000) {
            writeCut = "the server accepted nothing of the request for " + writeTimeoutMillis / 1000 + " s";
            closeQuietly(tcp);
        }
        long since = readingSince;
        if (since != 0 && cut == null) {
            String why = overdue(now, now - since);
            if (why != null) {
                cut = why;
                closeQuietly(tcp);
            }
        }
    }

    /** Why a read that has waited {@code waiting} so far is overdue at {@code now}, or null if it is not. */
    private String overdue(long now, long waiting) {
        if (deadline != NO_DEADLINE && now - deadline >= 0) {
            return "answer still incomplete after " + seconds(pace.deadline().toNanos()) + " s (sent too slowly)";
        }
        if (download && pace.minRate() > 0 && windowWaited + waiting >= pace.window().toNanos()
                && windowBytes < pace.minBytesPerWindow()) {
            return "download slower than " + pace.minRate() + " bytes/s: " + windowBytes + " bytes in "
                    + seconds(pace.window().toNanos()) + " s";
        }
        return null;
    }

    /** A download's bytes over one read that waited {@code waited}; fails at the end of a window below the rate. */
    private void account(int n, long waited) throws SlowAnswerException {
        windowBytes += Math.max(0, n);
        windowWaited += waited;
        if (windowWaited >= pace.window().toNanos()) {
            String why = overdue(System.nanoTime(), 0);
            if (why != null) {
                throw new SlowAnswerException(why);
            }
            windowBytes = 0;
            windowWaited = 0;
        }
    }

    private static long seconds(long nanos) {
        return Math.max(1, Math.round(nanos / 1e9));
    }

    /** The socket's bytes, each read within the exchange's pace. */
    private final class Paced extends InputStream {
        private final InputStream raw;

        Paced(InputStream raw) {
            this.raw = raw;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) == -1 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] buf, int off, int len) throws IOException {
            long start = System.nanoTime();
            String late = overdue(start, 0);
            if (late != null) {
                throw new SlowAnswerException(late);
            }
            readingSince = start == 0 ? 1 : start;
            int n = 0;
            try {
                n = raw.read(buf, off, len);
            } catch (IOException e) {
                if (cut == null) {
                    throw e;
                }
            } finally {
                readingSince = 0;
            }
            if (cut != null) {
                throw new SlowAnswerException(cut);
            }
            if (download) {
                account(n, System.nanoTime() - start);
            }
            return n;
        }

        @Override
        public int available() throws IOException {
            return raw.available();
        }
    }

    /** The socket's writes, each watched: one the server does not take within the timeout is cut. */
    private final class TimedWrites extends java.io.FilterOutputStream {

        TimedWrites(OutputStream raw) {
            super(raw);
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            long start = System.nanoTime();
            writingSince = start == 0 ? 1 : start;
            try {
                out.write(b, off, len);
            } catch (IOException e) {
                throw writeFailure(e);
            } finally {
                writingSince = 0;
            }
        }

        @Override
        public void flush() throws IOException {
            try {
                out.flush();
            } catch (IOException e) {
                throw writeFailure(e);
            }
        }

        private IOException writeFailure(IOException e) {
            if (writeCut == null) {
                return e;
            }
            java.net.SocketTimeoutException stalled = new java.net.SocketTimeoutException(writeCut);
            stalled.initCause(e);
            return stalled;
        }
    }

    @Override
    public void close() {
        Watchdog.forget(this);
        closeQuietly(socket);
        closeQuietly(tcp);
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // nothing left to do with a connection that will not close cleanly
        }
    }
}
