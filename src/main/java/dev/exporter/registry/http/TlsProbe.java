package dev.exporter.registry.http;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;

/**
 * Tells whether a server speaks TLS without setting up TLS: sends a minimal TLS 1.2 ClientHello and looks at the
 * first byte of the answer. A TLS server answers with a handshake or alert record; a plain-HTTP server reads the
 * hello as a malformed request and answers {@code HTTP/1.x 400}. The hello's random field holds an empty line, so
 * a plain-HTTP server always sees a complete request head and answers at once instead of waiting for one.
 *
 * <p>This decides how to talk to loopback registries (docker's "insecure registry" rule: https if offered, else
 * http) without the cost of a real TLS handshake attempt, a large share of a small export's start-up.
 */
public final class TlsProbe {

    public enum Answer { TLS, PLAIN_HTTP, UNKNOWN }

    private static final byte[] CLIENT_HELLO = clientHello();

    private TlsProbe() {
    }

    /** Probes the host and port of {@code uri} (an https URL: port 443 unless it says otherwise). */
    public static Answer probe(URI uri, Duration timeout) {
        int millis = (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis()));
        try (Socket socket = new Socket()) {
            Origin origin = Origin.of(uri);
            socket.connect(new InetSocketAddress(origin.host(), origin.port()), millis);
            socket.setSoTimeout(millis);
            socket.getOutputStream().write(CLIENT_HELLO);
            socket.getOutputStream().flush();
            InputStream in = socket.getInputStream();
            int first = in.read();
            if (first == 0x16 || first == 0x15) {
                return Answer.TLS;
            }
            return first == 'H' && in.read() == 'T' && in.read() == 'T' && in.read() == 'P' ? Answer.PLAIN_HTTP : Answer.UNKNOWN;
        } catch (IOException | IllegalArgumentException e) {
            return Answer.UNKNOWN;
        }
    }

    private static byte[] clientHello() {
        byte[] random = new byte[32];
        byte[] blankLine = {'\r', '\n', '\r', '\n'};
        System.arraycopy(blankLine, 0, random, 0, blankLine.length);
        byte[] body = concat(
                new byte[] {0x03, 0x03},                   // client version: TLS 1.2
                random,
                new byte[] {0x00},                         // no session id
                new byte[] {0x00, 0x04, (byte) 0xc0, 0x2f, 0x00, 0x2f}, // two cipher suites
                new byte[] {0x01, 0x00},                   // compression: none
                new byte[] {0x00, 0x00});                  // no extensions
        byte[] handshake = concat(new byte[] {0x01, 0x00, 0x00, (byte) body.length}, body); // client_hello
        return concat(new byte[] {0x16, 0x03, 0x01, 0x00, (byte) handshake.length}, handshake); // handshake record
    }

    private static byte[] concat(byte[]... parts) {
        int length = 0;
        for (byte[] part : parts) {
            length += part.length;
        }
        byte[] all = new byte[length];
        int at = 0;
        for (byte[] part : parts) {
            System.arraycopy(part, 0, all, at, part.length);
            at += part.length;
        }
        return all;
    }
}
