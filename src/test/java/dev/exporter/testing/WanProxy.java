package dev.exporter.testing;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * A TCP proxy that behaves like a wide-area link, for benchmarks without tc/netem: listens on {@code 127.0.0.1},
 * forwards every connection to a loopback target and, in each direction, paces bytes through a per-connection and a
 * shared total token bucket (the bottleneck) and then holds them for the one-way delay (propagation). Bytes that
 * leave the bottleneck at t are written at t + delay, so a request/response costs one RTT (2 x delay) while a stream
 * is only slowed by the caps: delay is paid once per exchange, not per chunk. A new connection also pays the TCP
 * handshake: its first request bytes leave no earlier than 2 x delay after the accept, as a real client's would.
 *
 * <p>Memory is bounded: each direction of a connection holds at most {@link #bufferBytes} in fixed-size chunks,
 * enough for the bandwidth-delay product (so the buffer, like a TCP window, never caps a stream below the rate);
 * when it is full the reader stops reading and TCP backpressure reaches the sender. At most
 * {@code maxConnections} connections are served at once; more are closed on accept.
 *
 * <p>With a log sink, it reports one line per connection opened and closed and per HTTP request line seen from
 * the client (with its Range header), and {@code tls-hello} when a connection starts with a TLS record, so a
 * benchmark can count round trips, connections and ranged reads. The request parsing is a sniffer for GET/HEAD
 * style traffic (bodies are skipped by Content-Length, chunked request bodies are not understood), never a gate:
 * bytes pass through unchanged whatever it makes of them.
 *
 * <pre>{@code java -cp target/test-classes dev.exporter.testing.WanProxy --listen 5001 --to 127.0.0.1:5000 \
 *      --delay-ms 25 --conn-mbps 16 --total-mbps 48 [--log FILE] [--max-connections 256]}</pre>
 * Rates are megabytes (10^6 bytes) per second in each direction; 0 means no cap.
 */
public final class WanProxy implements AutoCloseable {

    /** Chunk size: small enough that pacing is smooth (1 ms at 16 MB/s), big enough to be cheap. */
    static final int CHUNK = 16 * 1024;
    private static final Pattern REQUEST_LINE = Pattern.compile("[A-Z]{3,7} \\S+ HTTP/1\\.[01]");

    /**
     * @param delay          one-way delay, applied in each direction
     * @param connRate       bytes per second per connection and direction, 0 for no cap
     * @param totalRate      bytes per second over all connections, per direction, 0 for no cap
     * @param maxConnections connections served at once
     * @param log            receives event lines, or null
     */
    public record Config(int listenPort, InetSocketAddress target, Duration delay, long connRate, long totalRate,
                         int maxConnections, Consumer<String> log) {
    }

    private final Config config;
    private final long delayNanos;
    private final int bufferBytes;
    private final long started = System.nanoTime();
    private final ServerSocket server;
    private final Pacer totalUp;
    private final Pacer totalDown;
    private final AtomicInteger ids = new AtomicInteger();
    private final Set<Conn> open = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    private WanProxy(Config config) throws IOException {
        if (!config.target().getAddress().isLoopbackAddress()) {
            throw new IllegalArgumentException("WanProxy only forwards to loopback addresses: " + config.target());
        }
        this.config = config;
        this.delayNanos = config.delay().toNanos();
        long rate = Math.min(config.connRate() > 0 ? config.connRate() : Long.MAX_VALUE,
                config.totalRate() > 0 ? config.totalRate() : Long.MAX_VALUE);
        // 2 x bandwidth-delay product: the stream is never window-limited; 4 MiB when nothing is capped.
        double bdp = rate == Long.MAX_VALUE ? 2 << 20 : rate * (delayNanos / 1e9);
        this.bufferBytes = (int) Math.max(4 * CHUNK, Math.min(64 << 20, 2 * bdp));
        this.totalUp = new Pacer(config.totalRate());
        this.totalDown = new Pacer(config.totalRate());
        this.server = new ServerSocket(config.listenPort(), 128, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::acceptLoop, "wan-proxy-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public static WanProxy start(Config config) {
        try {
            return new WanProxy(config);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public int port() {
        return server.getLocalPort();
    }

    /** Bytes buffered at most per connection and direction. */
    public int bufferBytes() {
        return bufferBytes;
    }

    /** Connections currently open. */
    public int openConnections() {
        return open.size();
    }

    private void acceptLoop() {
        while (!closed) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                return; // closed
            }
            long accepted = System.nanoTime();
            if (open.size() >= config.maxConnections()) {
                closeQuietly(client);
                log("c- refused: " + config.maxConnections() + " connections open");
                continue;
            }
            Socket upstream = new Socket();
            try {
                upstream.connect(config.target(), 5_000);
                client.setTcpNoDelay(true); // we already pace; Nagle would add delay a real link does not have
                upstream.setTcpNoDelay(true);
            } catch (IOException e) {
                log("c- upstream connect failed: " + e);
                closeQuietly(client);
                closeQuietly(upstream);
                continue;
            }
            new Conn(ids.incrementAndGet(), client, upstream, accepted).start();
        }
    }

    private void log(String event) {
        log(event, System.nanoTime());
    }

    private void log(String event, long at) {
        Consumer<String> log = config.log();
        if (log != null) {
            log.accept(String.format(Locale.ROOT, "%.1f %s", (at - started) / 1e6, event));
        }
    }

    @Override
    public void close() {
        closed = true;
        closeQuietly(server);
        for (Conn c : List.copyOf(open)) {
            c.abort();
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception ignored) {
            // closing on the way out: nothing to do about it
        }
    }

    private static void sleepUntil(long nanoTime) throws InterruptedException {
        for (long left; (left = nanoTime - System.nanoTime()) > 0; ) {
            LockSupport.parkNanos(left);
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
        }
    }

    /**
     * A token bucket kept as the time its queue drains: reserving n bytes returns when they have left. Idle time
     * earns at most one chunk of burst, so the rate holds over any window longer than a chunk's transmission time.
     */
    static final class Pacer {
        private final double nanosPerByte;
        private final long burstNanos;
        private long next = Long.MIN_VALUE / 2;

        Pacer(long bytesPerSecond) {
            this.nanosPerByte = bytesPerSecond > 0 ? 1e9 / bytesPerSecond : 0;
            this.burstNanos = (long) (CHUNK * nanosPerByte);
        }

        synchronized long reserve(int bytes, long now) {
            if (nanosPerByte == 0) {
                return now;
            }
            next = Math.max(next, now - burstNanos) + (long) (bytes * nanosPerByte);
            return next;
        }
    }

    private record Chunk(byte[] buf, int len, long departed) {
    }

    /** One proxied connection: two directions, each a reader (pacing) and a writer (delay) thread. */
    private final class Conn {
        final int id;
        final Socket client;
        final Socket upstream;
        final long handshakeDone;
        final Direction up;
        final Direction down;
        final AtomicInteger finished = new AtomicInteger();
        volatile boolean aborted;

        Conn(int id, Socket client, Socket upstream, long accepted) {
            this.id = id;
            this.client = client;
            this.upstream = upstream;
            this.handshakeDone = accepted + 2 * delayNanos;
            try {
                up = new Direction("up", client.getInputStream(), upstream, totalUp, new RequestSniffer());
                down = new Direction("down", upstream.getInputStream(), client, totalDown, null);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        void start() {
            open.add(this);
            log("c" + id + " open");
            up.start();
            down.start();
            if (closed) {
                abort(); // close() ran between accept and add
            }
        }

        void directionDone() {
            if (finished.incrementAndGet() == 2) {
                end("close");
            }
        }

        void abort() {
            if (aborted) {
                return;
            }
            aborted = true;
            for (Socket s : new Socket[] {client, upstream}) {
                try {
                    s.setSoLinger(true, 0); // the other side sees a reset, as it would from a failing link
                } catch (IOException ignored) {
                    // already closed
                }
            }
            up.interrupt();
            down.interrupt();
            end("abort");
        }

        private void end(String how) {
            closeQuietly(client);
            closeQuietly(upstream);
            if (open.remove(this)) {
                log("c" + id + " " + how + " up=" + up.bytes + " down=" + down.bytes);
            }
        }

        /** Bytes from a socket's input to the other socket's output. */
        final class Direction {
            final String name;
            final InputStream in;
            final Socket to;
            final Pacer total;
            final Pacer own;
            final RequestSniffer sniffer;
            final BlockingQueue<byte[]> free;
            final BlockingQueue<Chunk> filled;
            final int maxBuffers = Math.max(1, bufferBytes / CHUNK);
            int created;
            volatile long bytes;
            Thread reader;
            Thread writer;

            Direction(String name, InputStream in, Socket to, Pacer total, RequestSniffer sniffer) {
                this.name = name;
                this.in = in;
                this.to = to;
                this.total = total;
                this.own = new Pacer(config.connRate());
                this.sniffer = sniffer;
                this.free = new ArrayBlockingQueue<>(maxBuffers);
                this.filled = new ArrayBlockingQueue<>(maxBuffers + 1); // + the end-of-stream marker
            }

            void start() {
                reader = thread(this::read, "read");
                writer = thread(this::write, "write");
            }

            private Thread thread(Runnable body, String role) {
                Thread t = new Thread(body, "wan-proxy-c" + id + "-" + name + "-" + role);
                t.setDaemon(true);
                t.start();
                return t;
            }

            void interrupt() {
                if (reader != null) {
                    reader.interrupt();
                    writer.interrupt();
                }
            }

            /** A buffer to read into; allocated lazily up to the bound, then only reused. */
            private byte[] buffer() throws InterruptedException {
                byte[] b = free.poll();
                if (b == null && created < maxBuffers) {
                    created++;
                    return new byte[CHUNK];
                }
                return b != null ? b : free.take();
            }

            private void read() {
                try {
                    while (true) {
                        byte[] buf = buffer();
                        int n = in.read(buf);
                        long now = System.nanoTime();
                        if (n < 0) {
                            free.offer(buf);
                            filled.put(new Chunk(null, -1, Math.max(now, sniffer != null ? handshakeDone : now)));
                            return;
                        }
                        if (sniffer != null) {
                            sniffer.feed(buf, n);
                        }
                        // Sleeping here is the bottleneck: the sender is held back by TCP, as behind a slow link.
                        long t = own.reserve(n, now);
                        sleepUntil(t);
                        t = total.reserve(n, t);
                        sleepUntil(t);
                        if (sniffer != null) {
                            t = Math.max(t, handshakeDone);
                            sniffer.flush(t);
                        }
                        filled.put(new Chunk(buf, n, t));
                    }
                } catch (IOException | InterruptedException e) {
                    abort();
                }
            }

            private void write() {
                try {
                    OutputStream out = to.getOutputStream();
                    while (true) {
                        Chunk c = filled.take();
                        sleepUntil(c.departed() + delayNanos);
                        if (c.len() < 0) {
                            to.shutdownOutput(); // a half-close travels like data: after the bytes before it
                            directionDone();
                            return;
                        }
                        out.write(c.buf(), 0, c.len());
                        bytes += c.len();
                        free.put(c.buf());
                    }
                } catch (IOException | InterruptedException e) {
                    abort();
                }
            }
        }

        /**
         * Logs the request lines (and Range headers) a client sends, for counting round trips. Events are logged
         * at the time their bytes leave the emulated client (after the handshake), not when the proxy read them.
         */
        final class RequestSniffer {
            private final List<String> pending = new ArrayList<>();
            private final StringBuilder line = new StringBuilder();
            private boolean first = true;
            private String request;
            private String range = "";
            private long contentLength;
            private long skip;

            void feed(byte[] b, int n) {
                if (first && n > 0) {
                    first = false;
                    if (b[0] == 0x16) {
                        pending.add("c" + id + " tls-hello");
                    }
                }
                for (int i = 0; i < n; i++) {
                    if (skip > 0) {
                        int k = (int) Math.min(skip, n - i);
                        skip -= k;
                        i += k - 1;
                    } else if (b[i] == '\n') {
                        line(line.toString());
                        line.setLength(0);
                    } else if (b[i] != '\r' && line.length() < 8192) {
                        line.append((char) (b[i] & 0xff));
                    }
                }
            }

            void flush(long departed) {
                for (String event : pending) {
                    log(event, departed);
                }
                pending.clear();
            }

            private void line(String s) {
                if (request == null) {
                    if (REQUEST_LINE.matcher(s).matches()) {
                        request = s.substring(0, s.lastIndexOf(' '));
                    }
                    return;
                }
                String lower = s.toLowerCase(Locale.ROOT);
                if (s.isEmpty()) {
                    pending.add("c" + id + " " + request + range);
                    skip = contentLength;
                    request = null;
                    range = "";
                    contentLength = 0;
                } else if (lower.startsWith("range:")) {
                    range = " range=" + s.substring(6).trim();
                } else if (lower.startsWith("content-length:")) {
                    try {
                        contentLength = Long.parseLong(s.substring(15).trim());
                    } catch (NumberFormatException e) {
                        contentLength = 0;
                    }
                }
            }
        }
    }

    /** Runs until killed; prints "listening on 127.0.0.1:PORT" once it accepts. */
    public static void main(String[] args) throws Exception {
        int listen = 0;
        int maxConnections = 256;
        InetSocketAddress target = null;
        double delayMs = 25;
        double connMbps = 0;
        double totalMbps = 0;
        String logFile = null;
        for (int i = 0; i < args.length; i++) {
            String value = i + 1 < args.length ? args[i + 1] : null;
            switch (args[i]) {
                case "--listen" -> listen = Integer.parseInt(value);
                case "--to" -> {
                    int colon = value.lastIndexOf(':');
                    target = new InetSocketAddress(InetAddress.getByName(value.substring(0, colon)),
                            Integer.parseInt(value.substring(colon + 1)));
                }
                case "--delay-ms" -> delayMs = Double.parseDouble(value);
                case "--conn-mbps" -> connMbps = Double.parseDouble(value);
                case "--total-mbps" -> totalMbps = Double.parseDouble(value);
                case "--max-connections" -> maxConnections = Integer.parseInt(value);
                case "--log" -> logFile = value;
                default -> {
                    System.err.println("usage: WanProxy --listen PORT --to 127.0.0.1:PORT [--delay-ms MS] "
                            + "[--conn-mbps MB/s] [--total-mbps MB/s] [--max-connections N] [--log FILE]");
                    System.exit(2);
                }
            }
            i++;
        }
        if (target == null) {
            throw new IllegalArgumentException("--to HOST:PORT is required");
        }
        Consumer<String> log = null;
        if (logFile != null) {
            // append mode, so a benchmark may truncate the file between runs while we write to it
            PrintStream out = new PrintStream(new FileOutputStream(logFile, true), true, StandardCharsets.UTF_8);
            log = line -> {
                synchronized (out) {
                    out.println(line);
                }
            };
        }
        WanProxy proxy = start(new Config(listen, target, Duration.ofNanos((long) (delayMs * 1e6)),
                (long) (connMbps * 1e6), (long) (totalMbps * 1e6), maxConnections, log));
        System.out.println("listening on 127.0.0.1:" + proxy.port());
        System.out.flush();
        Thread.currentThread().join();
    }
}
