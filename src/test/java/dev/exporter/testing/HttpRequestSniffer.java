package dev.exporter.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Picks the request lines (with their Range header) out of the bytes a client sends on one connection, so
 * {@link WanProxy} can log round trips and ranged reads. Made for GET/HEAD traffic: bodies are skipped by
 * Content-Length, chunked request bodies are not understood. It only watches: bytes pass on unchanged whatever it
 * makes of them, so a misreading costs a log line, never a transfer.
 */
final class HttpRequestSniffer {

    private static final Pattern REQUEST_LINE = Pattern.compile("[A-Z]{3,7} \\S+ HTTP/1\\.[01]");
    private static final int MAX_LINE = 8192;

    private final List<String> pending = new ArrayList<>();
    private final StringBuilder line = new StringBuilder();
    private boolean first = true;
    private String request;
    private String range = "";
    private long contentLength;
    private long skip;

    /** Reads the next {@code n} bytes of the stream. */
    void feed(byte[] b, int n) {
        if (first && n > 0) {
            first = false;
            if (b[0] == 0x16) { // a TLS handshake record: an https attempt or probe
                pending.add("tls-hello");
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
            } else if (b[i] != '\r' && line.length() < MAX_LINE) {
                line.append((char) (b[i] & 0xff));
            }
        }
    }

    /** Events completed since the last call: {@code tls-hello} or {@code METHOD TARGET[ range=SPEC]}. */
    List<String> drain() {
        if (pending.isEmpty()) {
            return List.of();
        }
        List<String> events = List.copyOf(pending);
        pending.clear();
        return events;
    }

    private void line(String s) {
        if (request == null) {
            if (REQUEST_LINE.matcher(s).matches()) {
                request = s.substring(0, s.lastIndexOf(' '));
            }
            return;
        }
        String lower = s.toLowerCase(Locale.ROOT);
        if (s.isEmpty()) { // end of the head: the request is complete
            pending.add(request + range);
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
