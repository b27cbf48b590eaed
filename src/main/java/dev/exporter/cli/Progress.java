package dev.exporter.cli;

import dev.exporter.export.ExportResult;
import dev.exporter.image.Descriptor;
import dev.exporter.reference.Digest;
import dev.exporter.image.ResolvedImage;
import dev.exporter.transfer.ProgressListener;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Progress on standard error. On a terminal it looks like {@code docker pull}: a line per blob (bar, bytes, rate,
 * ETA) and a total, redrawn in place; elsewhere a line per finished blob and a total every few seconds; with
 * {@code --quiet} nothing. {@code EXPORTER_PROGRESS=tty|plain|none} overrides the terminal check. Every mode but
 * quiet ends with a summary: digest, size, time.
 *
 * <p>Download threads only bump counters (no locks, no I/O); one daemon thread samples them and does all drawing,
 * so a slow terminal never slows a download.
 */
final class Progress implements ProgressListener {

    /** How progress is shown. */
    enum Mode {
        /** Redrawn in place with ANSI cursor movement. */
        TTY,
        /** Appended lines without escape sequences, for logs and CI. */
        PLAIN,
        /** Only the final summary ({@code EXPORTER_PROGRESS=none}). */
        SUMMARY,
        /** Nothing at all ({@code --quiet}). */
        QUIET;

        /** {@code --quiet} wins, then {@code EXPORTER_PROGRESS}, then whether stderr is a terminal that draws. */
        static Mode detect(boolean quiet, Map<String, String> env, boolean stderrIsTerminal) {
            if (quiet) {
                return QUIET;
            }
            String forced = env.getOrDefault(ENV, "").strip().toLowerCase(Locale.ROOT);
            return switch (forced) {
                case "tty" -> TTY;
                case "plain" -> PLAIN;
                case "none" -> SUMMARY;
                default -> stderrIsTerminal && !"dumb".equals(env.get("TERM")) ? TTY : PLAIN;
            };
        }

        boolean draws() {
            return this == TTY || this == PLAIN;
        }
    }

    static final String ENV = "EXPORTER_PROGRESS";
    /** Per-blob lines shown on a terminal; beyond that only active downloads and a count. */
    static final int MAX_BLOB_LINES = 10;
    static final long TTY_INTERVAL = TimeUnit.MILLISECONDS.toNanos(100);
    static final long PLAIN_INTERVAL = TimeUnit.MILLISECONDS.toNanos(250);
    static final long PLAIN_TOTAL_EVERY = TimeUnit.SECONDS.toNanos(5);
    private static final String ESC = "\033[";

    private enum State { WAITING, DOWNLOADING, CACHED, DONE }

    /** One blob: counters written by download threads, the rest read and kept by the drawing side. */
    private static final class Transfer {
        final Descriptor blob;
        final AtomicLong bytes = new AtomicLong();
        volatile State state = State.WAITING;
        volatile long startedAt;
        volatile long finishedAt;
        final RateMeter rate = new RateMeter();
        boolean announced;

        Transfer(Descriptor blob) {
            this.blob = blob;
        }

        long doneBytes() {
            return switch (state) {
                case WAITING -> 0;
                case DOWNLOADING -> Math.max(0, Math.min(blob.size(), bytes.get()));
                case CACHED, DONE -> blob.size();
            };
        }
    }

    private final PrintWriter err;
    private final Mode mode;
    private final LongSupplier clock;
    private final int width;
    private final boolean background;
    private final Map<Digest, Transfer> transfers = new ConcurrentHashMap<>();
    private final Queue<Transfer> order = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean begun = new AtomicBoolean();
    private volatile Thread renderer;
    private volatile boolean stopping;

    /** Guards the output and everything below. */
    private final Object lock = new Object();
    private final RateMeter totalRate = new RateMeter();
    /** Lines of the terminal frame now on screen, right above the cursor. */
    private int drawn;
    private String lastFrame;
    /** False once someone else wrote to stderr: drawing stops so an error is never drawn over. */
    private boolean live = true;
    private long nextTotalAt = -1;

    /**
     * @param background whether to start the drawing thread; tests call {@link #tick()} themselves instead
     */
    Progress(PrintWriter err, Mode mode, LongSupplier clock, int width, boolean background) {
        this.err = err;
        this.mode = mode;
        this.clock = clock;
        this.width = Math.max(40, width);
        this.background = background;
    }

    /**
     * Progress on {@code cl}'s standard error. While it draws, {@code cl} gets a standard error that stops the
     * drawing before passing text on, so an error message is never overwritten by a later redraw.
     */
    static Progress attach(CommandLine cl, boolean quiet) {
        Map<String, String> env = RegistryOptions.environment;
        Progress progress = new Progress(cl.getErr(), Mode.detect(quiet, env, stderrIsTerminal()), System::nanoTime,
                columns(env), true);
        if (progress.mode.draws()) {
            cl.setErr(progress.sharedErr());
        }
        return progress;
    }

    /** Java cannot ask; Linux tells through /proc which device file descriptor 2 is. */
    static boolean stderrIsTerminal() {
        try {
            return isTerminalDevice(Files.readSymbolicLink(Path.of("/proc/self/fd/2")).toString());
        } catch (IOException | UnsupportedOperationException e) {
            // No /proc (macOS): a console on stdin and stdout nearly always means stderr is one too.
            return System.console() != null;
        }
    }

    static boolean isTerminalDevice(String path) {
        return path.startsWith("/dev/pts/") || path.startsWith("/dev/tty");
    }

    private static int columns(Map<String, String> env) {
        try {
            return Integer.parseInt(env.getOrDefault("COLUMNS", "80").strip());
        } catch (NumberFormatException e) {
            return 80;
        }
    }

    /** An image was resolved: says so, and counts {@code blobs} (what will be fetched for it) into the total. */
    void resolved(ResolvedImage image, List<Descriptor> blobs) {
        if (mode == Mode.QUIET) {
            return;
        }
        blobs.forEach(this::transfer);
        if (mode.draws()) {
            printAbove(String.format(Locale.ROOT, "%s: %s (%s, %d layers, %s)", image.reference(), image.digest(),
                    image.config().platform(), image.manifest().layers().size(), size(image.manifest().totalSize())));
            begin();
        }
    }

    /** A docker archive fetches the layers; the config came with resolving. */
    void resolved(ResolvedImage image) {
        resolved(image, image.manifest().layers());
    }

    @Override
    public void started(Descriptor blob, boolean cached) {
        if (mode == Mode.QUIET) {
            return;
        }
        Transfer transfer = transfer(blob);
        transfer.startedAt = clock.getAsLong();
        transfer.state = cached ? State.CACHED : State.DOWNLOADING;
        begin();
    }

    @Override
    public void transferred(Descriptor blob, long bytes) {
        Transfer transfer = transfers.get(blob.digest());
        if (transfer != null) {
            transfer.bytes.addAndGet(bytes);
        }
    }

    @Override
    public void finished(Descriptor blob) {
        Transfer transfer = transfers.get(blob.digest());
        if (transfer != null) {
            transfer.finishedAt = clock.getAsLong();
            if (transfer.state != State.CACHED) {
                transfer.state = State.DONE;
            }
        }
    }

    /** Stops drawing, shows the final state and prints the summary. */
    void done(String where, ExportResult result, long nanos) {
        if (mode == Mode.QUIET) {
            return;
        }
        stop();
        synchronized (lock) {
            if (mode.draws() && live) {
                draw(true);
            }
            long cached = order.stream().filter(t -> t.state == State.CACHED).mapToLong(t -> t.blob.size()).sum();
            String fromCache = cached > 0 ? ", " + size(cached) + " from cache" : "";
            List<ResolvedImage> images = result.images();
            if (images.size() == 1) {
                ResolvedImage image = images.get(0);
                err.printf("Wrote %s: %s %s (%s%s) in %s%n", where, image.reference(), image.digest(),
                        size(result.contentBytes()), fromCache, duration(nanos));
            } else {
                for (ResolvedImage image : images) {
                    err.printf("  %s %s (%s)%n", image.reference(), image.digest(), size(image.manifest().totalSize()));
                }
                err.printf("Wrote %s: %d images, %s%s in %s%n", where, images.size(), size(result.contentBytes()),
                        fromCache, duration(nanos));
            }
            err.flush();
        }
    }

    /** One round of drawing: samples the counters, then redraws the frame or prints what is new. */
    void tick() {
        synchronized (lock) {
            if (live && mode.draws()) {
                draw(false);
            }
        }
    }

    private Transfer transfer(Descriptor blob) {
        Transfer known = transfers.get(blob.digest());
        if (known != null) {
            return known;
        }
        Transfer created = new Transfer(blob);
        Transfer raced = transfers.putIfAbsent(blob.digest(), created);
        if (raced != null) {
            return raced;
        }
        order.add(created);
        return created;
    }

    private void begin() {
        if (background && mode.draws() && begun.compareAndSet(false, true)) {
            Thread thread = new Thread(this::run, "exporter-progress");
            thread.setDaemon(true);
            renderer = thread;
            thread.start();
        }
    }

    private void run() {
        long interval = mode == Mode.TTY ? TTY_INTERVAL : PLAIN_INTERVAL;
        while (!stopping) {
            tick();
            try {
                TimeUnit.NANOSECONDS.sleep(interval);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void stop() {
        stopping = true;
        Thread thread = renderer;
        if (thread != null) {
            thread.interrupt();
            try {
                thread.join(TimeUnit.SECONDS.toMillis(1));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void draw(boolean last) {
        long now = clock.getAsLong();
        List<Transfer> all = List.copyOf(order);
        long downloaded = 0;
        for (Transfer t : all) {
            if (t.state == State.DOWNLOADING) {
                t.rate.add(now, t.bytes.get());
            }
            if (t.state != State.CACHED) {
                downloaded += t.bytes.get();
            }
        }
        totalRate.add(now, downloaded);
        if (mode == Mode.TTY) {
            if (!all.isEmpty()) {
                redraw(frame(all));
            }
        } else {
            announceFinished(all);
            if (nextTotalAt < 0) {
                nextTotalAt = now + PLAIN_TOTAL_EVERY;
            } else if (now >= nextTotalAt && !last) {
                nextTotalAt = now + PLAIN_TOTAL_EVERY;
                if (all.stream().anyMatch(t -> t.state == State.DOWNLOADING)) {
                    err.println(totalLine(all));
                    err.flush();
                }
            }
        }
    }

    private void announceFinished(List<Transfer> all) {
        boolean any = false;
        for (Transfer t : all) {
            State state = t.state;
            if (!t.announced && (state == State.DONE || state == State.CACHED)) {
                t.announced = true;
                any = true;
                String prefix = t.blob.digest().shortHex() + ": ";
                err.println(state == State.CACHED
                        ? prefix + "Cached " + size(t.blob.size())
                        : prefix + "Done " + size(t.blob.size()) + " in " + duration(t.finishedAt - t.startedAt));
            }
        }
        if (any) {
            err.flush();
        }
    }

    /** The terminal frame: blob lines (only active ones and a count when there are many) and the total. */
    private List<String> frame(List<Transfer> all) {
        List<String> lines = new ArrayList<>();
        if (all.size() <= MAX_BLOB_LINES) {
            all.forEach(t -> lines.add(blobLine(t)));
        } else {
            int[] counts = new int[State.values().length];
            for (Transfer t : all) {
                State state = t.state;
                if (state == State.DOWNLOADING && lines.size() < MAX_BLOB_LINES) {
                    lines.add(blobLine(t));
                } else {
                    counts[state.ordinal()]++;
                }
            }
            lines.add(String.format(Locale.ROOT, "+ %d more: %s", all.size() - lines.size(), counts(counts)));
        }
        lines.add(totalLine(all));
        return lines;
    }

    private static String counts(int[] counts) {
        List<String> parts = new ArrayList<>();
        String[] names = {"waiting", "downloading", "cached", "done"};
        for (State state : List.of(State.DONE, State.CACHED, State.DOWNLOADING, State.WAITING)) {
            if (counts[state.ordinal()] > 0) {
                parts.add(counts[state.ordinal()] + " " + names[state.ordinal()]);
            }
        }
        return String.join(", ", parts);
    }

    private String blobLine(Transfer t) {
        String name = t.blob.digest().shortHex() + ": ";
        long size = t.blob.size();
        return switch (t.state) {
            case WAITING -> name + "Waiting";
            case CACHED -> name + "Cached " + size(size);
            case DONE -> name + "Done " + size(size);
            case DOWNLOADING -> {
                long have = t.doneBytes();
                String head = name + "Downloading ";
                String tail = size(have) + " / " + size(size) + rateAndEta(t.rate.perSecond(), size - have);
                int barWidth = Math.min(30, width - 1 - head.length() - tail.length() - 4);
                yield barWidth >= 8 ? head + bar(have, size, barWidth) + "  " + tail : head + tail;
            }
        };
    }

    private String totalLine(List<Transfer> all) {
        long total = 0;
        long done = 0;
        for (Transfer t : all) {
            total += t.blob.size();
            done += t.doneBytes();
        }
        long percent = total == 0 ? 100 : done * 100 / total;
        String line = String.format(Locale.ROOT, "Total: %s / %s (%d%%)", size(done), size(total), percent);
        return done < total ? line + rateAndEta(totalRate.perSecond(), total - done) : line;
    }

    /** Two spaces, rate and ETA; nothing until there is a rate to tell. */
    static String rateAndEta(double bytesPerSecond, long remaining) {
        if (bytesPerSecond <= 0) {
            return "";
        }
        return "  " + size((long) bytesPerSecond) + "/s  ETA " + eta(remaining / bytesPerSecond);
    }

    /** {@code [=====>    ]} with {@code width} cells inside the brackets. */
    static String bar(long done, long total, int width) {
        int filled = total == 0 ? width : (int) (width * Math.min(1.0, Math.max(0, done) / (double) total));
        String inside = filled == 0 ? " ".repeat(width)
                : filled == width ? "=".repeat(width)
                : "=".repeat(filled - 1) + ">" + " ".repeat(width - filled);
        return "[" + inside + "]";
    }

    /**
     * Replaces the frame on screen: cursor up to its first line, rewrite each line and clear its rest, then clear
     * below in case the new frame is shorter. Lines are cut to the width, since a wrapped line would throw the
     * cursor-up count off.
     */
    private void redraw(List<String> lines) {
        StringBuilder out = new StringBuilder();
        for (String line : lines) {
            out.append('\r').append(line.length() < width ? line : line.substring(0, width - 1)).append(ESC + "K\n");
        }
        String frame = out.toString();
        if (frame.equals(lastFrame)) {
            return;
        }
        err.print((drawn > 0 ? "\r" + ESC + drawn + "A" : "") + frame + ESC + "J");
        err.flush();
        drawn = lines.size();
        lastFrame = frame;
    }

    /** Prints a line for good; on a terminal the frame is cleared first and comes back below it on the next tick. */
    private void printAbove(String line) {
        synchronized (lock) {
            if (mode == Mode.TTY && live && drawn > 0) {
                err.print("\r" + ESC + drawn + "A" + ESC + "J");
                drawn = 0;
                lastFrame = null;
            }
            err.println(line);
            err.flush();
        }
    }

    /** Standard error for everyone else while progress draws: the first text ends the drawing, the frame stays. */
    PrintWriter sharedErr() {
        return new PrintWriter(new Interrupting(), true);
    }

    private final class Interrupting extends Writer {
        @Override
        public void write(char[] buf, int off, int len) {
            synchronized (lock) {
                live = false;
                err.write(buf, off, len);
            }
        }

        @Override
        public void flush() {
            err.flush();
        }

        @Override
        public void close() {
            err.flush();
        }
    }

    /** Bytes per second over the last few seconds, from samples the drawing side takes. */
    static final class RateMeter {
        static final long WINDOW = TimeUnit.SECONDS.toNanos(3);
        static final long MIN_SPAN = TimeUnit.MILLISECONDS.toNanos(500);
        private final ArrayDeque<long[]> samples = new ArrayDeque<>();

        void add(long now, long bytes) {
            samples.addLast(new long[] {now, bytes});
            while (samples.size() > 2 && now - samples.peekFirst()[0] > WINDOW) {
                samples.removeFirst();
            }
        }

        /** 0 until the samples span long enough to mean something; never negative (restarts discard bytes). */
        double perSecond() {
            if (samples.size() < 2) {
                return 0;
            }
            long[] first = samples.peekFirst();
            long[] last = samples.peekLast();
            long span = last[0] - first[0];
            return span < MIN_SPAN ? 0 : Math.max(0, (last[1] - first[1]) * 1e9 / span);
        }
    }

    /** {@code 45s}, {@code 3m05s}, {@code 2h07m}. */
    static String eta(double seconds) {
        long s = (long) Math.ceil(seconds);
        if (s < 60) {
            return s + "s";
        }
        if (s < 3600) {
            return String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
        }
        return String.format(Locale.ROOT, "%dh%02dm", s / 3600, s % 3600 / 60);
    }

    /** {@code 0.4 s}, {@code 12.3 s}, {@code 3m05s}. */
    static String duration(long nanos) {
        double seconds = nanos / 1e9;
        return seconds < 60 ? String.format(Locale.ROOT, "%.1f s", seconds) : eta(seconds);
    }

    static String size(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double value = bytes;
        int unit = -1;
        while (value >= 1024 && unit < units.length - 1) {
            value /= 1024;
            unit++;
        }
        return String.format(Locale.ROOT, "%.1f %s", value, units[unit]);
    }
}
