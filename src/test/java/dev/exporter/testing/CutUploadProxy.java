package dev.exporter.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP proxy on 127.0.0.1 in front of a registry that breaks uploads: the first {@code cuts} requests whose method
 * is {@code method} (PATCH or PUT) get {@code after} bytes through to the registry and then both sides of the
 * connection are closed, as a dropped link would. Everything else passes through untouched (bytes, not HTTP).
 * Bounded: sockets time out after 30 s and close with the proxy.
 */
public final class CutUploadProxy implements AutoCloseable {

    private final ServerSocket server;
    private final InetSocketAddress target;
    private final String method;
    private final long after;
    private final AtomicInteger cutsLeft;
    private final AtomicInteger cutsMade = new AtomicInteger();
    private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "cut-upload-proxy");
        t.setDaemon(true);
        return t;
    });

    private CutUploadProxy(InetSocketAddress target, String method, long after, int cuts) throws IOException {
        this.server = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
        this.target = target;
        this.method = method;
        this.after = after;
        this.cutsLeft = new AtomicInteger(cuts);
        pool.submit(this::accept);
    }

    public static CutUploadProxy start(InetSocketAddress target, String method, long after, int cuts) {
        try {
            return new CutUploadProxy(target, method, after, cuts);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    public int port() {
        return server.getLocalPort();
    }

    /** How many connections were broken so far. */
    public int cutsMade() {
        return cutsMade.get();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                Socket upstream = new Socket(target.getAddress(), target.getPort());
                client.setSoTimeout(30_000);
                upstream.setSoTimeout(30_000);
                pool.submit(() -> pipe(upstream, client, false));
                pool.submit(() -> pipe(client, upstream, true));
            } catch (IOException e) {
                return;
            }
        }
    }

    /** Copies {@code from} to {@code to}; requests going upstream are watched for the method to cut. */
    private void pipe(Socket from, Socket to, boolean requests) {
        byte[] buffer = new byte[16 * 1024];
        long budget = -1;
        try (from; to) {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            for (int n; (n = in.read(buffer)) != -1; ) {
                if (requests && budget < 0 && startsWith(buffer, n, method + " ") && cutsLeft.getAndDecrement() > 0) {
                    budget = after;
                }
                if (budget >= 0) {
                    int pass = (int) Math.min(n, budget);
                    out.write(buffer, 0, pass);
                    out.flush();
                    budget -= pass;
                    if (budget == 0) {
                        cutsMade.incrementAndGet();
                        return; // closes both sides
                    }
                    continue;
                }
                out.write(buffer, 0, n);
                out.flush();
            }
        } catch (IOException e) {
            // one side went away: the other follows when the sockets close
        }
    }

    private static boolean startsWith(byte[] buffer, int length, String prefix) {
        byte[] p = prefix.getBytes(StandardCharsets.US_ASCII);
        if (length < p.length) {
            return false;
        }
        for (int i = 0; i < p.length; i++) {
            if (buffer[i] != p[i]) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        pool.shutdownNow();
    }
}
