package dev.exporter.cli;

import com.sun.net.httpserver.HttpServer;
import dev.exporter.testing.ExporterCli;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code --debug} against a registry that echoes the client's credentials (and a terminal escape) in its errors. */
class CliDebugTest {

    private static final String SECRET = "YWxpY2U6c2VjcmV0cGFzc3dvcmQ=";

    private HttpServer server;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 4);
        server.createContext("/", exchange -> {
            byte[] body = ("{\"errors\":[{\"code\":\"DENIED\",\"message\":\"rejected Authorization: Basic " + SECRET
                    + " \\u001b[2J\"}]}").getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(403, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    @Test
    void debug_whenRegistryEchoesCredentials_printsATraceWithoutThemOrControlCharacters() {
        String ref = "127.0.0.1:" + server.getAddress().getPort() + "/debug/app:1";

        ExporterCli.Result result = ExporterCli.create().timeoutSeconds(60)
                .run("manifest", "--debug", "--plain-http", "--retries", "0", ref);

        assertEquals(1, result.exitCode(), result.stderr());
        String err = result.stderr();
        assertTrue(err.startsWith("exporter: "), err);
        assertTrue(err.lines().anyMatch(line -> line.startsWith("\tat dev.exporter.")), "a stack trace: " + err);
        assertFalse(err.contains(SECRET), err);
        assertFalse(err.chars().anyMatch(c -> c != '\n' && c != '\t' && Character.isISOControl(c)), err);
    }
}
