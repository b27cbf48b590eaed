package dev.exporter.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Behaviour of the WAN emulator used by scripts/bench: integrity, delay per exchange, caps, bounded memory, close. */
@Timeout(20)
class WanProxyTest {

    private final List<AutoCloseable> toClose = new ArrayList<>();
    private final List<String> log = new CopyOnWriteArrayList<>();
    private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "wan-proxy-test");
        t.setDaemon(true);
        return t;
    });

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable c : toClose) {
            c.close();
        }
        pool.shutdownNow();
    }

    /** A loopback server running {@code handler} for each connection, on its own thread. */
    private InetSocketAddress upstream(Handler handler) throws IOException {
        ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        toClose.add(server);
        pool.submit(() -> {
            while (true) {
                Socket s = server.accept();
                pool.submit(() -> {
                    try (s) {
                        handler.handle(s);
                    }
                    return null;
                });
            }
        });
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort());
    }

    interface Handler {
        void handle(Socket s) throws Exception;
    }

    private WanProxy proxy(InetSocketAddress target, int delayMs, long connRate, long totalRate) {
        WanProxy proxy = WanProxy.start(new WanProxy.Config(0, target, Duration.ofMillis(delayMs), connRate, totalRate,
                64, log::add));
        toClose.add(proxy);
        return proxy;
    }

    private Socket connect(WanProxy proxy) throws IOException {
        Socket s = new Socket(InetAddress.getLoopbackAddress(), proxy.port());
        toClose.add(s);
        return s;
    }

    private static long drain(InputStream in) throws IOException {
        byte[] buf = new byte[64 * 1024];
        long total = 0;
        for (int n; (n = in.read(buf)) >= 0; ) {
            total += n;
        }
        return total;
    }

    private static void awaitNoConnections(WanProxy proxy) throws InterruptedException {
        for (int i = 0; i < 200 && proxy.openConnections() > 0; i++) {
            Thread.sleep(10);
        }
        assertEquals(0, proxy.openConnections(), "every connection closed");
    }

    @Test
    void bytesArriveIntactInBothDirectionsOverConcurrentConnections() throws Exception {
        // The upstream answers every byte XOR 0x5a, so what comes back must really have made the round trip.
        InetSocketAddress target = upstream(s -> {
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            byte[] buf = new byte[8192];
            for (int n; (n = in.read(buf)) >= 0; ) {
                for (int i = 0; i < n; i++) {
                    buf[i] ^= 0x5a;
                }
                out.write(buf, 0, n);
            }
            s.shutdownOutput();
        });
        WanProxy proxy = proxy(target, 5, 40_000_000, 100_000_000);
        List<Future<?>> clients = new ArrayList<>();
        for (int c = 0; c < 4; c++) {
            byte[] sent = new byte[1_000_000 + c * 12_345];
            new Random(c).nextBytes(sent);
            clients.add(pool.submit(() -> {
                Socket s = connect(proxy);
                Future<?> writer = pool.submit(() -> {
                    s.getOutputStream().write(sent);
                    s.shutdownOutput(); // the half-close must travel too, or the upstream never ends
                    return null;
                });
                byte[] got = s.getInputStream().readAllBytes();
                writer.get();
                for (int i = 0; i < got.length; i++) {
                    got[i] ^= 0x5a;
                }
                assertArrayEquals(sent, got);
                s.close();
                return null;
            }));
        }
        for (Future<?> f : clients) {
            f.get();
        }
        awaitNoConnections(proxy);
        assertEquals(4, log.stream().filter(l -> l.endsWith(" open")).count(), log.toString());
        assertEquals(4, log.stream().filter(l -> l.contains(" close up=")).count(), log.toString());
    }

    @Test
    void anExchangeCostsARoundTripAndANewConnectionAHandshakeMore() throws Exception {
        InetSocketAddress target = upstream(s -> {
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            for (int r = 0; r < 2; r++) {
                readHead(in);
                out.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".getBytes(StandardCharsets.US_ASCII));
                out.flush();
            }
        });
        int delayMs = 40;
        WanProxy proxy = proxy(target, delayMs, 0, 0);
        long start = System.nanoTime();
        Socket s = connect(proxy);
        byte[] first = exchange(s, "GET /v2/ HTTP/1.1\r\nHost: x\r\n\r\n");
        long firstMs = (System.nanoTime() - start) / 1_000_000;
        long second = System.nanoTime();
        exchange(s, "GET /v2/a/blobs/sha256:0 HTTP/1.1\r\nHost: x\r\nRange: bytes=10-19\r\n\r\n");
        long secondMs = (System.nanoTime() - second) / 1_000_000;

        assertTrue(new String(first, StandardCharsets.US_ASCII).endsWith("ok"));
        assertTrue(firstMs >= 4L * delayMs, "handshake + exchange take two round trips, took " + firstMs + " ms");
        assertTrue(secondMs >= 2L * delayMs, "a request/response takes a round trip, took " + secondMs + " ms");
        assertTrue(log.stream().anyMatch(l -> l.endsWith(" c1 GET /v2/")), log.toString());
        assertTrue(log.stream().anyMatch(l -> l.endsWith(" c1 GET /v2/a/blobs/sha256:0 range=bytes=10-19")),
                log.toString());
    }

    private static void readHead(InputStream in) throws IOException {
        int state = 0;
        while (state < 4) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("eof in request head");
            }
            state = (b == (state % 2 == 0 ? '\r' : '\n')) ? state + 1 : (b == '\r' ? 1 : 0);
        }
    }

    private static byte[] exchange(Socket s, String request) throws IOException {
        s.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
        InputStream in = s.getInputStream();
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        while (!got.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\nok")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("eof in response");
            }
            got.write(b);
        }
        return got.toByteArray();
    }

    @Test
    void aStreamIsPacedByTheConnectionCapAndPaysTheDelayOnlyOnce() throws Exception {
        int size = 4_000_000;
        InetSocketAddress target = upstream(s -> s.getOutputStream().write(new byte[size]));
        long cap = 8_000_000;
        int delayMs = 50;
        WanProxy proxy = proxy(target, delayMs, cap, 0);
        long start = System.nanoTime();
        long got = drain(connect(proxy).getInputStream());
        double seconds = (System.nanoTime() - start) / 1e9;

        assertEquals(size, got);
        double floor = (size - WanProxy.BURST) / (double) cap + delayMs / 1000.0;
        assertTrue(seconds >= floor, "N bytes take at least N/cap + delay: " + seconds + " s < " + floor);
        // Delay paid per chunk would be 244 x 50 ms = 12 s; a window smaller than the bandwidth-delay product
        // would halve the rate. Either shows up as far more than this generous bound.
        assertTrue(seconds < 2 * floor + 1, "the delay does not slow a stream down beyond one delay: " + seconds);
    }

    @Test
    void theTotalCapHoldsAcrossConnections() throws Exception {
        int size = 1_500_000;
        InetSocketAddress target = upstream(s -> s.getOutputStream().write(new byte[size]));
        long total = 8_000_000;
        WanProxy proxy = proxy(target, 10, 0, total);
        long start = System.nanoTime();
        List<Future<Long>> reads = new ArrayList<>();
        for (int c = 0; c < 3; c++) {
            reads.add(pool.submit(() -> drain(connect(proxy).getInputStream())));
        }
        long got = 0;
        for (Future<Long> f : reads) {
            got += f.get();
        }
        double seconds = (System.nanoTime() - start) / 1e9;

        assertEquals(3L * size, got);
        double floor = (3.0 * size - WanProxy.BURST) / total;
        assertTrue(seconds >= floor, "3 connections share the total cap: " + seconds + " s < " + floor);
    }

    @Test
    void memoryDoesNotGrowWithTrafficWhenTheClientDoesNotRead() throws Exception {
        AtomicLong written = new AtomicLong();
        InetSocketAddress target = upstream(s -> {
            byte[] buf = new byte[64 * 1024];
            OutputStream out = s.getOutputStream();
            while (written.get() < 512L << 20) {
                out.write(buf);
                written.addAndGet(buf.length);
            }
        });
        WanProxy proxy = proxy(target, 5, 0, 0);
        Socket s = connect(proxy);
        Thread.sleep(500);
        long stalled = written.get();
        Thread.sleep(200);
        // What the upstream got rid of is bounded by our buffers plus the kernel's socket buffers, not the stream.
        assertEquals(stalled, written.get(), "the upstream is held back");
        assertTrue(stalled < proxy.bufferBytes() + (64L << 20), "buffered " + stalled + " bytes");
        s.close();
        awaitNoConnections(proxy);
    }

    @Test
    void closeEndsOpenConnectionsAndStopsListening() throws Exception {
        InetSocketAddress target = upstream(s -> drain(s.getInputStream()));
        WanProxy proxy = proxy(target, 5, 0, 0);
        Socket s = connect(proxy);
        s.getOutputStream().write(1);
        for (int i = 0; i < 100 && proxy.openConnections() == 0; i++) {
            Thread.sleep(10);
        }
        assertEquals(1, proxy.openConnections());
        proxy.close();

        s.setSoTimeout(5_000);
        try {
            assertEquals(-1, s.getInputStream().read(), "the client sees the connection end");
        } catch (SocketException reset) {
            // a reset is a clean end too: the proxy aborts rather than finishing streams on close
        }
        assertEquals(0, proxy.openConnections());
        assertFalse(proxy.listening(Duration.ofSeconds(5)), "the listening socket is closed and its accept loop ended");
        // The port is free again, so another process on the machine may take it: a connect that succeeds is
        // not proof that the proxy still listens, but the proxy must not take it.
        try (Socket late = new Socket(InetAddress.getLoopbackAddress(), proxy.port())) {
            Thread.sleep(100);
            assertEquals(0, proxy.openConnections(), "a connection after close is not served by the proxy");
        } catch (IOException refused) {
            // what normally happens: nothing listens there any more
        }
    }

    @Test
    void onlyForwardsToLoopback() {
        assertThrows(IllegalArgumentException.class, () -> WanProxy.start(new WanProxy.Config(0,
                new InetSocketAddress(InetAddress.getByAddress(new byte[] {10, 0, 0, 1}), 80), Duration.ZERO, 0, 0,
                1, null)));
    }
}
