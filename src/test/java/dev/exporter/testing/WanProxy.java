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
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

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
 * <p>With a log sink it reports a line per connection opened and closed and per HTTP request the client sends (see
 * {@link HttpRequestSniffer}), stamped when the bytes leave the emulated client, so a benchmark can count round
 * trips, connections, Range reads and TLS attempts.
 *
 * <p>Limits: no TCP slow start, loss or congestion control (a fresh connection gets the full rate at once, which
 * flatters clients that open many connections); no TLS (a real https registry costs 1-2 more round trips per new
 * connection); connect() itself returns at once, only the first bytes wait out the handshake; a reset is passed on
 * at once, not after the bytes in flight; it costs a few ms of CPU per MB, which competes with what it measures.
 *
 * <pre>{@code java -cp target/test-classes dev.exporter.testing.WanProxy --listen 5001 --to 127.0.0.1:5000 \
 *      --delay-ms 25 --conn-mbps 16 --total-mbps 48 [--log FILE] [--max-connections 256]}</pre>
 * Rates are megabytes (10^6 bytes) per second in each direction; 0 means no cap.
 */
public final class WanProxy implements AutoCloseable {

    /** Chunk size: small enough that pacing is smooth (1 ms at 16 MB/s), big enough to be cheap. */
    static final int CHUNK = 16 * 1024;
    /** Burst credit of the token buckets (see {@link TokenPacer}): 8 ms at 16 MB/s. */
    static final int BURST = 8 * CHUNK;

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
    private final TokenPacer totalUp;
    private final TokenPacer totalDown;
    private final AtomicInteger ids = new AtomicInteger();
    private final Set<Conn> open = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;
    private final Thread acceptor;

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
        this.totalUp = new TokenPacer(config.totalRate());
        this.totalDown = new TokenPacer(config.totalRate());
        this.server = new ServerSocket(config.listenPort(), 128, InetAddress.getLoopbackAddress());
        this.acceptor = new Thread(this::acceptLoop, "wan-proxy-accept");
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

    /** Whether the listening socket is open or its accept loop still runs; waits up to {@code wait} for both to end. */
    public boolean listening(Duration wait) throws InterruptedException {
        acceptor.join(Math.max(1, wait.toMillis()));
        return acceptor.isAlive() || !server.isClosed();
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
                up = new Direction("up", client.getInputStream(), upstream, totalUp, new HttpRequestSniffer());
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
            final TokenPacer total;
            final TokenPacer own;
            final HttpRequestSniffer sniffer;
            final BlockingQueue<byte[]> free;
            final BlockingQueue<Chunk> filled;
            final int maxBuffers = Math.max(1, bufferBytes / CHUNK);
            int created;
            volatile long bytes;
            Thread reader;
            Thread writer;

            Direction(String name, InputStream in, Socket to, TokenPacer total, HttpRequestSniffer sniffer) {
                this.name = name;
                this.in = in;
                this.to = to;
                this.total = total;
                this.own = new TokenPacer(config.connRate());
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
                            for (String event : sniffer.drain()) { // logged when the bytes leave the client
                                log("c" + id + " " + event, t);
                            }
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
