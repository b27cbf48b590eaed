package dev.exporter.cli;

import dev.exporter.export.ExportResult;
import dev.exporter.image.Descriptor;
import dev.exporter.image.Image;
import dev.exporter.image.ImageConfig;
import dev.exporter.image.ImageManifest;
import dev.exporter.reference.Digest;
import dev.exporter.reference.ImageReference;
import dev.exporter.image.ResolvedImage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Counting and drawing with a fake clock and a string for stderr; no thread runs, the test calls tick(). */
class ProgressTest {

    private static final long MIB = 1024 * 1024;
    private static final String ESC = "\033[";

    private final StringWriter out = new StringWriter();
    private final AtomicLong clock = new AtomicLong(1_000_000_000L);

    /** What the download threads report to; the renderer of the last {@link #progress} call draws from it. */
    private TransferCounter counts;

    private ProgressRenderer progress(ProgressMode mode) {
        return progress(mode, 100);
    }

    private ProgressRenderer progress(ProgressMode mode, int width) {
        counts = new TransferCounter(clock::get);
        return new ProgressRenderer(new PrintWriter(out), mode, clock::get, width, false, counts);
    }

    private void advance(double seconds) {
        clock.addAndGet((long) (seconds * 1e9));
    }

    /** Output since the last call. */
    private String drain() {
        String text = out.toString();
        out.getBuffer().setLength(0);
        return text;
    }

    private static Descriptor blob(String seed, long size) {
        return Descriptor.of("application/vnd.oci.image.layer.v1.tar+gzip", Digest.sha256Of(seed), size);
    }

    private static ResolvedImage image(String reference, List<Descriptor> layers) {
        return image(reference, layers, "{\"os\":\"linux\",\"architecture\":\"amd64\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}");
    }

    /** An image with this config JSON; its empty {@code diff_ids} get one entry per layer. */
    private static ResolvedImage image(String reference, List<Descriptor> layers, String template) {
        String diffIds = String.join(",", layers.stream().map(l -> "\"" + l.digest() + "\"").toList());
        String json = template.replace("\"diff_ids\":[]", "\"diff_ids\":[" + diffIds + "]");
        byte[] raw = json.getBytes(StandardCharsets.UTF_8);
        Digest configDigest = Digest.sha256Of(raw);
        ImageConfig config = ImageConfig.parse(raw, configDigest, "test config");
        Descriptor configBlob = Descriptor.of("application/vnd.oci.image.config.v1+json", configDigest, raw.length);
        byte[] manifest = ("manifest of " + reference).getBytes(StandardCharsets.UTF_8);
        return ResolvedImage.single(ImageReference.parse(reference), null, new Image(new ImageManifest(
                "application/vnd.oci.image.manifest.v1+json", configBlob, layers, manifest, Digest.sha256Of(manifest)), config));
    }

    private static ExportResult result(ResolvedImage... images) {
        long bytes = 0;
        for (ResolvedImage image : images) {
            bytes += image.manifest().totalSize();
        }
        return new ExportResult(List.of(images), bytes);
    }

    @Test
    void plain_printsALinePerFinishedBlobAndATotalEveryFiveSeconds() {
        Descriptor a = blob("a", 10 * MIB);
        Descriptor b = blob("b", 30 * MIB);
        ResolvedImage image = image("registry.test/app:1", List.of(a, b));
        ProgressRenderer progress = progress(ProgressMode.PLAIN);

        progress.resolved(image);
        progress.tick();
        assertEquals("registry.test/app:1: " + image.digest() + " (linux/amd64, 2 layers, 40.0 MiB)\n", drain());

        counts.started(a, false);
        counts.started(b, false);
        for (int second = 1; second <= 4; second++) {
            advance(1);
            counts.transferred(a, 2 * MIB);
            counts.transferred(b, 2 * MIB);
            progress.tick();
        }
        assertEquals("", drain(), "nothing before five seconds");

        advance(1);
        counts.transferred(a, 2 * MIB);
        counts.transferred(b, 2 * MIB);
        counts.finished(a);
        progress.tick();
        // 20 MiB of 40 MiB; the last 3 s moved 12 MiB, so 4 MiB/s and 5 s for the remaining 20 MiB.
        assertEquals(a.digest().shortHex() + ": Done 10.0 MiB in 5.0 s\n"
                + "Total: 20.0 MiB / 40.0 MiB (50%)  4.0 MiB/s  ETA 5s\n", drain());

        advance(1);
        progress.tick();
        assertEquals("", drain(), "the next total comes five seconds later");

        counts.transferred(b, 20 * MIB);
        counts.finished(b);
        progress.done("app.tar", result(image), TimeUnit.MILLISECONDS.toNanos(6300));
        String end = drain();
        assertEquals(b.digest().shortHex() + ": Done 30.0 MiB in 6.0 s\n"
                + "Wrote app.tar: registry.test/app:1 " + image.digest() + " (40.0 MiB) in 6.3 s\n", end);
        assertFalse(end.contains(ESC), "no escape sequences in plain mode");
    }

    @Test
    void plain_cachedBlobs_sayCachedAndCountInTheSummary() {
        Descriptor a = blob("a", 2 * MIB);
        ResolvedImage image = image("registry.test/app:1", List.of(a));
        ProgressRenderer progress = progress(ProgressMode.PLAIN);
        progress.resolved(image);
        counts.started(a, true);
        counts.finished(a);
        drain();

        progress.done("app.tar", result(image), TimeUnit.MILLISECONDS.toNanos(400));

        assertEquals(a.digest().shortHex() + ": Cached 2.0 MiB\n"
                + "Wrote app.tar: registry.test/app:1 " + image.digest() + " (2.0 MiB, 2.0 MiB from cache) in 0.4 s\n",
                drain());
    }

    @Test
    void tty_redrawsInPlaceWithCursorUpAndEndsOnTheFinalState() {
        Descriptor a = blob("a", 10 * MIB);
        Descriptor b = blob("b", 20 * MIB);
        Descriptor c = blob("c", 4 * MIB);
        ResolvedImage image = image("registry.test/app:1", List.of(a, b, c));
        ProgressRenderer progress = progress(ProgressMode.TTY);
        String sa = a.digest().shortHex();
        String sb = b.digest().shortHex();
        String sc = c.digest().shortHex();

        progress.resolved(image);
        counts.started(a, false);
        counts.started(c, true);
        counts.finished(c);
        progress.tick();
        String first = drain();
        assertTrue(first.startsWith("registry.test/app:1: "), first);
        assertFalse(first.contains(ESC + "4A"), "nothing to move up over yet: " + first);
        assertEquals(List.of(sa + ": Downloading [" + " ".repeat(30) + "]  0 B / 10.0 MiB", sb + ": Waiting",
                sc + ": Cached 4.0 MiB", "Total: 4.0 MiB / 34.0 MiB (11%)"), frameLines(first));

        advance(1);
        counts.transferred(a, 5 * MIB);
        progress.tick();
        String second = drain();
        assertTrue(second.startsWith("\r" + ESC + "4A"), "moves up over the four lines drawn: " + second);
        assertTrue(second.endsWith(ESC + "J"), "clears whatever a longer frame left below: " + second);
        assertEquals(List.of(
                sa + ": Downloading [==============>" + " ".repeat(15) + "]  5.0 MiB / 10.0 MiB  5.0 MiB/s  ETA 1s",
                sb + ": Waiting", sc + ": Cached 4.0 MiB", "Total: 9.0 MiB / 34.0 MiB (26%)  5.0 MiB/s  ETA 5s"),
                frameLines(second));

        progress.tick();
        assertEquals("", drain(), "an unchanged frame is not drawn again");

        counts.transferred(a, 5 * MIB);
        counts.finished(a);
        counts.started(b, false);
        counts.transferred(b, 20 * MIB);
        counts.finished(b);
        progress.done("app.tar", result(image), TimeUnit.MILLISECONDS.toNanos(1200));
        String end = drain();
        assertTrue(end.startsWith("\r" + ESC + "4A"), end);
        String summary = "Wrote app.tar: registry.test/app:1 " + image.digest() + " (34.0 MiB, 4.0 MiB from cache) in 1.2 s\n";
        assertTrue(end.endsWith(ESC + "J" + summary), end);
        assertEquals(List.of(sa + ": Done 10.0 MiB", sb + ": Done 20.0 MiB", sc + ": Cached 4.0 MiB",
                "Total: 34.0 MiB / 34.0 MiB (100%)"), frameLines(end));
    }

    @Test
    void tty_manyBlobs_showsOnlyActiveDownloadsAndACount() {
        List<Descriptor> layers = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            layers.add(blob("layer " + i, MIB));
        }
        ResolvedImage image = image("registry.test/big:1", layers);
        ProgressRenderer progress = progress(ProgressMode.TTY);
        progress.resolved(image);
        for (int i = 0; i < 25; i++) {
            counts.started(layers.get(i), i < 5);
            if (i < 20) {
                counts.finished(layers.get(i));
            }
        }
        drain();

        progress.tick();

        List<String> lines = frameLines(drain());
        assertEquals(7, lines.size(), "five downloading, the count, the total:\n" + String.join("\n", lines));
        for (int i = 0; i < 5; i++) {
            assertTrue(lines.get(i).startsWith(layers.get(20 + i).digest().shortHex() + ": Downloading"), lines.get(i));
        }
        assertEquals("+ 35 more: 15 done, 5 cached, 15 waiting", lines.get(5));
        assertEquals("Total: 20.0 MiB / 40.0 MiB (50%)", lines.get(6));
    }

    @Test
    void tty_linesAreCutToTheTerminalWidth() {
        Descriptor a = blob("a", 10 * MIB);
        ProgressRenderer progress = progress(ProgressMode.TTY, 40);
        progress.resolved(image("registry.test/app:1", List.of(a)));
        counts.started(a, false);
        advance(1);
        counts.transferred(a, 3 * MIB);
        progress.tick();
        advance(1);
        counts.transferred(a, 3 * MIB);
        progress.tick();

        for (String line : frameLines(drain())) {
            assertTrue(line.length() < 40, "'" + line + "' fits in 40 columns");
        }
    }

    @Test
    void tty_outputFromElsewhere_stopsTheDrawingSoAnErrorStaysLast() {
        Descriptor a = blob("a", 10 * MIB);
        ProgressRenderer progress = progress(ProgressMode.TTY);
        progress.resolved(image("registry.test/app:1", List.of(a)));
        counts.started(a, false);
        progress.tick();
        PrintWriter shared = progress.sharedErr();

        shared.println("exporter: pull blob " + a.digest() + ": blob not found");
        advance(1);
        counts.transferred(a, MIB);
        progress.tick();

        String text = drain();
        assertTrue(text.endsWith("exporter: pull blob " + a.digest() + ": blob not found\n"), text);
    }

    @Test
    void restartedDownload_discardedBytesAreTakenBack() {
        Descriptor a = blob("a", 10 * MIB);
        ProgressRenderer progress = progress(ProgressMode.TTY);
        progress.resolved(image("registry.test/app:1", List.of(a)));
        counts.started(a, false);
        counts.transferred(a, 6 * MIB);
        counts.transferred(a, -6 * MIB);
        counts.transferred(a, MIB);
        progress.tick();

        List<String> lines = frameLines(drain());
        assertTrue(lines.get(0).endsWith("1.0 MiB / 10.0 MiB"), lines.get(0));
        assertEquals("Total: 1.0 MiB / 10.0 MiB (10%)", lines.get(1));
    }

    @Test
    void quiet_printsNothingAtAll() {
        Descriptor a = blob("a", MIB);
        ResolvedImage image = image("registry.test/app:1", List.of(a));
        ProgressRenderer progress = progress(ProgressMode.QUIET);
        progress.resolved(image);
        counts.started(a, false);
        counts.transferred(a, MIB);
        counts.finished(a);
        advance(10);
        progress.tick();
        progress.done("app.tar", result(image), 1);

        assertEquals("", out.toString());
    }

    @Test
    void none_printsOnlyTheSummary() {
        Descriptor a = blob("a", MIB);
        ResolvedImage image = image("registry.test/app:1", List.of(a));
        ProgressRenderer progress = progress(ProgressMode.SUMMARY);
        progress.resolved(image);
        counts.started(a, false);
        counts.transferred(a, MIB);
        counts.finished(a);
        advance(10);
        progress.tick();
        progress.done("app.tar", result(image), TimeUnit.SECONDS.toNanos(75));

        assertEquals("Wrote app.tar: registry.test/app:1 " + image.digest() + " (1.0 MiB) in 1m15s\n", out.toString());
    }

    @Test
    void summary_severalImages_oneLineEachThenATotal() {
        ResolvedImage first = image("registry.test/a:1", List.of(blob("a", MIB)));
        ResolvedImage second = image("registry.test/b:1", List.of(blob("b", 2 * MIB)));
        ProgressRenderer progress = progress(ProgressMode.PLAIN);

        progress.done("standard output", result(first, second), TimeUnit.MILLISECONDS.toNanos(2500));

        assertEquals("  registry.test/a:1 " + first.digest() + " (1.0 MiB)\n"
                + "  registry.test/b:1 " + second.digest() + " (2.0 MiB)\n"
                + "Wrote standard output: 2 images, 3.0 MiB in 2.5 s\n", out.toString());
    }

    @Test
    void imageReadFromAMirror_saysWhereInTheResolvedLineAndTheSummary() {
        ResolvedImage image = image("registry.test/a:1", List.of(blob("a", MIB)))
                .withOrigin(ImageReference.parse("mirror.test/hub/a:1"));
        ProgressRenderer progress = progress(ProgressMode.PLAIN);

        progress.resolved(image, List.of());
        progress.done("a.tar", result(image), TimeUnit.SECONDS.toNanos(1));

        assertEquals("registry.test/a:1: " + image.digest() + " (linux/amd64, 1 layers, 1.0 MiB) from mirror.test/hub/a:1\n"
                + "Wrote a.tar: registry.test/a:1 " + image.digest() + " from mirror.test/hub/a:1 (1.0 MiB) in 1.0 s\n",
                out.toString());
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource({"PLAIN", "TTY"})
    void registryText_withControlCharacters_isPrintedAsSpaces(ProgressMode mode) {
        Descriptor a = blob("a", MIB);
        String hostile = "{\"os\":\"linux\",\"architecture\":\"amd64\",\"variant\":\"v8\\u001b[31m\\u0007\\r\\u001b[2J\","
                + "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}";
        ResolvedImage image = image("registry.test/app:1", List.of(a), hostile);
        ProgressRenderer progress = progress(mode);

        progress.resolved(image);
        counts.started(a, false);
        advance(1);
        counts.transferred(a, MIB);
        counts.finished(a);
        progress.tick();
        progress.done("app.tar", result(image), TimeUnit.SECONDS.toNanos(1));

        String text = drain();
        assertTrue(text.contains("(linux/amd64/v8 [31m   [2j, 1 layers, 1.0 MiB)"), text);
        String withoutOwnEscapes = text.replaceAll("\r?\033\\[\\d*[AKJ]", "").replace("\r", "");
        assertFalse(withoutOwnEscapes.chars().anyMatch(c -> c != '\n' && Character.isISOControl(c)),
                "no control characters but the renderer's own cursor movement: " + text);
    }

    @ParameterizedTest(name = "[{index}] quiet={0} {1}={2} terminal={3} TERM={4} -> {5}")
    @CsvSource(nullValues = "null", value = {
            "true,  EXPORTER_PROGRESS, tty,   true,  xterm, QUIET",
            "false, EXPORTER_PROGRESS, tty,   false, null,  TTY",
            "false, EXPORTER_PROGRESS, PLAIN, true,  xterm, PLAIN",
            "false, EXPORTER_PROGRESS, none,  true,  xterm, SUMMARY",
            "false, EXPORTER_PROGRESS, bogus, true,  xterm, TTY",
            "false, OTHER,             x,     true,  xterm, TTY",
            "false, OTHER,             x,     false, xterm, PLAIN",
            "false, OTHER,             x,     true,  dumb,  PLAIN",
    })
    void detect_mode(boolean quiet, String name, String value, boolean terminal, String term, ProgressMode expected) {
        Map<String, String> env = new HashMap<>();
        env.put(name, value);
        if (term != null) {
            env.put("TERM", term);
        }
        assertEquals(expected, ProgressMode.detect(quiet, env, terminal));
    }

    @ParameterizedTest(name = "[{index}] {0} -> {1}")
    @CsvSource({"/dev/pts/3, true", "/dev/tty1, true", "/dev/null, false", "pipe:[12345], false",
            "/tmp/exporter-err.txt, false"})
    void terminalDevices(String link, boolean terminal) {
        assertEquals(terminal, ProgressMode.isTerminalDevice(link));
    }

    @Test
    void rateMeter_measuresOverTheLastSecondsAndNeverGoesNegative() {
        RateMeter meter = new RateMeter();
        meter.add(0, 0);
        assertEquals(0, meter.perSecond(), "one sample tells nothing");
        meter.add(TimeUnit.MILLISECONDS.toNanos(100), MIB);
        assertEquals(0, meter.perSecond(), "too short a span to tell");
        for (int s = 1; s <= 10; s++) {
            meter.add(TimeUnit.SECONDS.toNanos(s), s * 2 * MIB);
        }
        assertEquals(2.0 * MIB, meter.perSecond(), 1.0, "the slow start has left the window");
        meter.add(TimeUnit.SECONDS.toNanos(11), 0);
        assertEquals(0, meter.perSecond(), "a restart discarding bytes is not a negative rate");
    }

    @ParameterizedTest(name = "[{index}] {0} s -> {1}")
    @CsvSource({"0.2, 1s", "45, 45s", "59.5, 1m00s", "185, 3m05s", "7620, 2h07m"})
    void eta_format(double seconds, String expected) {
        assertEquals(expected, Units.eta(seconds));
    }

    @ParameterizedTest(name = "[{index}] {0}/{1} -> {3}")
    @CsvSource(delimiter = '|', value = {"0|100|10|[          ]", "50|100|10|[====>     ]", "99|100|10|[========> ]",
            "100|100|10|[==========]", "0|0|4|[====]", "-5|100|4|[    ]"})
    void bar_format(long done, long total, int width, String expected) {
        assertEquals(expected, ProgressLines.bar(done, total, width));
    }

    @Test
    void rateAndEta_emptyUntilThereIsARate() {
        assertEquals("", ProgressLines.rateAndEta(0, MIB));
        assertEquals("  1.0 MiB/s  ETA 10s", ProgressLines.rateAndEta(MIB, 10 * MIB));
        assertEquals("  512 B/s  ETA 2s", ProgressLines.rateAndEta(512, 1024));
    }

    /** The lines of the last frame in {@code text}: what is on screen after the terminal ran the escapes. */
    private static List<String> frameLines(String text) {
        int start = Math.max(text.lastIndexOf("A\r"), -1);
        String frame = text.substring(start + 1);
        int end = frame.lastIndexOf(ESC + "J");
        frame = end >= 0 ? frame.substring(0, end) : frame;
        List<String> lines = new ArrayList<>();
        for (String line : frame.split("\n")) {
            if (line.startsWith("\r") && line.endsWith(ESC + "K")) {
                lines.add(line.substring(1, line.length() - (ESC + "K").length()));
            }
        }
        return lines;
    }
}
