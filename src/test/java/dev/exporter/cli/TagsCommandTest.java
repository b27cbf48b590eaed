package dev.exporter.cli;

import dev.exporter.testing.ExporterCli;
import dev.exporter.testing.ImageFormat;
import dev.exporter.testing.LocalRegistry;
import dev.exporter.testing.PagingTagRegistry;
import dev.exporter.testing.PagingTagRegistry.LinkStyle;
import dev.exporter.testing.RegistryPusher;
import dev.exporter.testing.SharedRegistries;
import dev.exporter.testing.SharedResources;
import dev.exporter.testing.TestImage;
import dev.exporter.testing.TestImages;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code exporter tags}: against the real registry, and against {@link PagingTagRegistry} for pagination, which
 * distribution 2.8 never does (it ignores {@code n} and returns every tag at once).
 */
@ExtendWith(SharedResources.class)
class TagsCommandTest {

    /** More than a page of 50 and of 20, and not a multiple of either. */
    private static final List<String> MANY_TAGS = IntStream.range(0, 157).mapToObj(i -> "1." + i).toList();

    private static LocalRegistry registry;

    @BeforeAll
    static void push() {
        registry = SharedRegistries.anonymous();
        RegistryPusher pusher = new RegistryPusher(registry);
        TestImage image = TestImages.small(ImageFormat.OCI, "tags");
        for (String tag : List.of("v2", "latest", "v1")) {
            pusher.push(image, "inspect/tags", tag);
        }
    }

    @Test
    void tags_onRealRegistry_printsEveryTagOnePerLine() {
        ExporterCli.Result result = ExporterCli.create().run("tags", registry.hostPort() + "/inspect/tags");

        assertEquals(0, result.exitCode(), result.stderr());
        assertEquals("latest\nv1\nv2\n", result.stdoutText());
        assertEquals("", result.stderr());
    }

    @Test
    void tags_withTagInRepo_ignoresTheTag() {
        ExporterCli.Result result = ExporterCli.create().run("tags", registry.hostPort() + "/inspect/tags:v1");

        assertEquals(0, result.exitCode(), result.stderr());
        assertEquals("latest\nv1\nv2\n", result.stdoutText());
    }

    @Test
    void tags_ofUnknownRepository_failsWithExit1AndOneLine() {
        String repo = registry.hostPort() + "/inspect/no-such-repo";

        ExporterCli.Result result = ExporterCli.create().run("tags", repo);

        assertEquals(1, result.exitCode(), result.stderr());
        assertEquals("exporter: list tags of " + repo + ": repository not found", result.error());
        assertEquals(0, result.stdout().length);
    }

    @Test
    void tags_withInvalidRepository_isAUsageError() {
        ExporterCli.Result result = ExporterCli.create().run("tags", "Not/Valid");

        assertEquals(2, result.exitCode(), result.stderr());
        assertTrue(result.stderr().startsWith("exporter: invalid reference 'Not/Valid'"), result.stderr());
    }

    @Test
    void tags_whenRegistryPagesWithoutBeingAsked_followsRelativeLinksToTheEnd() {
        try (PagingTagRegistry fake = PagingTagRegistry.start("paging/app", MANY_TAGS, 50, LinkStyle.RELATIVE)) {
            ExporterCli.Result result = fakeCli().run("tags", "--plain-http", fake.hostPort() + "/paging/app");

            assertEquals(0, result.exitCode(), result.stderr());
            assertEquals(lines(fake.tags()), result.stdoutText());
            assertEquals(157, result.stdoutText().lines().distinct().count());
            List<String> requests = fake.requests();
            assertEquals("/v2/paging/app/tags/list", requests.get(0), "no n unless asked for");
            assertEquals(4, requests.size(), requests.toString());
        }
    }

    @Test
    void tags_withPageSize_sendsNAndFollowsAbsoluteLinks() {
        try (PagingTagRegistry fake = PagingTagRegistry.start("paging/abs", MANY_TAGS, 50, LinkStyle.ABSOLUTE)) {
            ExporterCli.Result result = fakeCli().run("tags", "--plain-http", "--page-size", "20", fake.hostPort() + "/paging/abs");

            assertEquals(0, result.exitCode(), result.stderr());
            assertEquals(lines(fake.tags()), result.stdoutText());
            List<String> requests = fake.requests();
            assertEquals("/v2/paging/abs/tags/list?n=20", requests.get(0));
            assertEquals(8, requests.size(), requests.toString());
            assertTrue(requests.stream().skip(1).allMatch(r -> r.contains("n=20") && r.contains("last=")), requests.toString());
        }
    }

    @Test
    void tags_whenNextLinkLoops_failsWithExit1AndOneLine() {
        try (PagingTagRegistry fake = PagingTagRegistry.start("paging/loop", MANY_TAGS, 50, LinkStyle.LOOP)) {
            String repo = fake.hostPort() + "/paging/loop";

            ExporterCli.Result result = fakeCli().run("tags", "--plain-http", repo);

            assertEquals(1, result.exitCode(), result.stderr());
            assertEquals(1, result.error().lines().count(), result.stderr());
            assertTrue(result.error().startsWith("exporter: list tags of " + repo
                    + ": the registry's next-page link points back to a page already fetched"), result.stderr());
            assertEquals(0, result.stdout().length, "no partial list");
            assertEquals(2, fake.requests().size(), fake.requests().toString());
        }
    }

    @Test
    void tags_withControlCharactersInTags_printsThemAsSpaces() {
        List<String> hostile = List.of("plain", "red\u001b[31m", "bell\u0007", "return\rover");
        try (PagingTagRegistry fake = PagingTagRegistry.start("paging/hostile", hostile, 50, LinkStyle.RELATIVE)) {
            ExporterCli.Result result = fakeCli().run("tags", "--plain-http", fake.hostPort() + "/paging/hostile");

            assertEquals(0, result.exitCode(), result.stderr());
            assertEquals("bell \nplain\nred [31m\nreturn over\n", result.stdoutText());
            assertFalse(result.stdoutText().chars().anyMatch(c -> c != '\n' && Character.isISOControl(c)),
                    result.stdoutText());
        }
    }

    @Test
    void tags_withEndlessHugePages_stopsAtTheCapWithOneLineInBoundedMemory() throws IOException {
        HttpServer endless = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 4);
        AtomicInteger pages = new AtomicInteger();
        endless.createContext("/", exchange -> {
            int page = pages.getAndIncrement();
            StringBuilder json = new StringBuilder("{\"name\":\"endless/app\",\"tags\":[");
            for (int i = 0; i < 400_000; i++) {
                json.append(i == 0 ? "" : ",").append("\"").append(page).append('-').append(i).append("\"");
            }
            byte[] body = json.append("]}").toString().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Link", "</v2/endless/app/tags/list?last=" + page + ">; rel=\"next\"");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        endless.start();
        try {
            String repo = "127.0.0.1:" + endless.getAddress().getPort() + "/endless/app";

            // a heap that a JSON tree of two such pages, or the tags of ten, would exhaust
            ExporterCli.Result result = fakeCli().jvmArgs("-Xmx160m").run("tags", "--plain-http", repo);

            assertEquals(1, result.exitCode(), result.stderr());
            assertEquals("exporter: list tags of " + repo + ": more than 1000000 tags or 64 MiB of tag names; giving up",
                    result.error());
            assertEquals(0, result.stdout().length, "no partial list");
            assertTrue(pages.get() <= 4, pages.get() + " pages");
        } finally {
            endless.stop(0);
        }
    }

    @Test
    void tags_withPageSizeZero_isAUsageError() {
        ExporterCli.Result result = ExporterCli.create().run("tags", "--page-size", "0", registry.hostPort() + "/inspect/tags");

        assertEquals(2, result.exitCode(), result.stderr());
        assertFalse(result.stderr().isBlank());
    }

    /**
     * Runs against the fake with {@code --plain-http}: unlike distribution, the JDK's HTTP server does not hang up
     * on a TLS handshake, so the loopback https probe would wait for the read timeout.
     */
    private static ExporterCli fakeCli() {
        return ExporterCli.create().timeoutSeconds(60);
    }

    private static String lines(List<String> tags) {
        return String.join("\n", tags) + "\n";
    }
}
