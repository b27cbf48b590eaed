package dev.exporter.cli;

import dev.exporter.cli.TransferCounter.State;
import dev.exporter.cli.TransferCounter.Transfer;
import dev.exporter.export.ExportResult;
import dev.exporter.image.Descriptor;
import dev.exporter.image.ResolvedImage;
import dev.exporter.text.Printable;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.Writer;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;

/**
 * Progress on standard error, drawn from a {@link TransferCounter}. On a terminal it looks like {@code docker pull}:
 * a line per blob (bar, bytes, rate, ETA) and a total, redrawn in place; elsewhere a line per finished blob and a
 * total every few seconds; with {@code --quiet} nothing (see {@link ProgressMode}). Every mode but quiet ends with
 * a summary: digest, size, time.
 *
 * <p>One daemon thread samples the counters and does all drawing, so a slow terminal never slows a download. This
 * is the only place progress is printed, and every line passes through {@link Printable} first: references and
 * platforms come from a registry.
 */
final class ProgressRenderer {

    static final long TTY_INTERVAL = TimeUnit.MILLISECONDS.toNanos(100);
    static final long PLAIN_INTERVAL = TimeUnit.MILLISECONDS.toNanos(250);
    static final long PLAIN_TOTAL_EVERY = TimeUnit.SECONDS.toNanos(5);
    private static final String ESC = "\033[";

    private final PrintWriter err;
    private final ProgressMode mode;
    private final LongSupplier clock;
    private final int width;
    private final boolean background;
    private final TransferCounter counter;
    private final ProgressLines lines;
    private final AtomicBoolean begun = new AtomicBoolean();
    private volatile Thread renderer;
    private volatile boolean stopping;

    /** Guards the output and everything below. */
    private final Object lock = new Object();
    private final Map<Transfer, RateMeter> rates = new HashMap<>();
    private final RateMeter totalRate = new RateMeter();
    private final Set<Transfer> announced = new HashSet<>();
    /** Lines of the terminal frame now on screen, right above the cursor. */
    private int drawn;
    private String lastFrame;
    /** False once someone else wrote to stderr: drawing stops so an error is never drawn over. */
    private boolean live = true;
    private long nextTotalAt = -1;

    /**
     * @param background whether to start the drawing thread; tests call {@link #tick()} themselves instead
     */
    ProgressRenderer(PrintWriter err, ProgressMode mode, LongSupplier clock, int width, boolean background,
                     TransferCounter counter) {
        this.err = err;
        this.mode = mode;
        this.clock = clock;
        this.width = Math.max(40, width);
        this.background = background;
        this.counter = counter;
        this.lines = new ProgressLines(this.width);
    }

    /**
     * Progress of {@code counter} on {@code cl}'s standard error. While it draws, {@code cl} gets a standard error
     * that stops the drawing before passing text on, so an error message is never overwritten by a later redraw.
     */
    static ProgressRenderer attach(CommandLine cl, boolean quiet, TransferCounter counter) {
        Map<String, String> env = RegistryOptions.environment;
        ProgressMode mode = ProgressMode.detect(quiet, env, ProgressMode.stderrIsTerminal());
        ProgressRenderer progress = new ProgressRenderer(cl.getErr(), mode, System::nanoTime, columns(env), true, counter);
        if (mode.draws()) {
            cl.setErr(progress.sharedErr());
        }
        return progress;
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
        if (mode == ProgressMode.QUIET) {
            return;
        }
        counter.expect(blobs);
        if (mode.draws()) {
            printAbove(ProgressLines.resolved(image));
            begin();
        }
    }

    /** Says {@code line} and counts {@code blobs} into the total (a push's images as they are planned). */
    void planned(String line, List<Descriptor> blobs) {
        if (mode == ProgressMode.QUIET) {
            return;
        }
        counter.expect(blobs);
        if (mode.draws()) {
            printAbove(line);
            begin();
        }
    }

    /** A line above the progress (a warning), shown in every mode but quiet. */
    void note(String line) {
        if (mode == ProgressMode.QUIET) {
            return;
        }
        printAbove(line);
    }

    /** Stops drawing, shows the final state and prints {@code summary}. */
    void done(List<String> summary) {
        if (mode == ProgressMode.QUIET) {
            return;
        }
        stop();
        synchronized (lock) {
            if (mode.draws() && live) {
                draw(true);
            }
            summary.forEach(this::println);
            err.flush();
        }
    }

    /** A docker archive fetches the layers; the config came with resolving. */
    void resolved(ResolvedImage image) {
        resolved(image, image.manifest().layers());
    }

    /** Stops drawing, shows the final state and prints the summary. */
    void done(String where, ExportResult result, long nanos) {
        done(ProgressLines.summary(where, result, counter.cachedBytes(), nanos));
    }

    /** One round of drawing: samples the counters, then redraws the frame or prints what is new. */
    void tick() {
        synchronized (lock) {
            if (live && mode.draws()) {
                draw(false);
            }
        }
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
        long interval = mode == ProgressMode.TTY ? TTY_INTERVAL : PLAIN_INTERVAL;
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
        List<Transfer> all = counter.transfers();
        long downloaded = 0;
        for (Transfer t : all) {
            if (t.state() == State.DOWNLOADING) {
                rate(t).add(now, t.bytes());
            }
            if (t.state() != State.CACHED) {
                downloaded += t.bytes();
            }
        }
        totalRate.add(now, downloaded);
        if (mode == ProgressMode.TTY) {
            if (!all.isEmpty()) {
                redraw(lines.frame(all, t -> rate(t).perSecond(), totalRate.perSecond()));
            }
            return;
        }
        announceFinished(all);
        if (nextTotalAt < 0) {
            nextTotalAt = now + PLAIN_TOTAL_EVERY;
        } else if (now >= nextTotalAt && !last) {
            nextTotalAt = now + PLAIN_TOTAL_EVERY;
            if (all.stream().anyMatch(t -> t.state() == State.DOWNLOADING)) {
                println(ProgressLines.total(all, totalRate.perSecond()));
                err.flush();
            }
        }
    }

    private RateMeter rate(Transfer t) {
        return rates.computeIfAbsent(t, k -> new RateMeter());
    }

    private void announceFinished(List<Transfer> all) {
        boolean any = false;
        for (Transfer t : all) {
            State state = t.state();
            if ((state == State.DONE || state == State.CACHED) && announced.add(t)) {
                any = true;
                println(ProgressLines.finished(t));
            }
        }
        if (any) {
            err.flush();
        }
    }

    /**
     * Replaces the frame on screen: cursor up to its first line, rewrite each line and clear its rest, then clear
     * below in case the new frame is shorter. Lines are cut to the width, since a wrapped line would throw the
     * cursor-up count off.
     */
    private void redraw(List<String> frameLines) {
        StringBuilder out = new StringBuilder();
        for (String text : frameLines) {
            String line = Printable.line(text);
            out.append('\r').append(line.length() < width ? line : line.substring(0, width - 1)).append(ESC + "K\n");
        }
        String frame = out.toString();
        if (frame.equals(lastFrame)) {
            return;
        }
        err.print((drawn > 0 ? "\r" + ESC + drawn + "A" : "") + frame + ESC + "J");
        err.flush();
        drawn = frameLines.size();
        lastFrame = frame;
    }

    /** Prints a line for good; on a terminal the frame is cleared first and comes back below it on the next tick. */
    private void printAbove(String line) {
        synchronized (lock) {
            if (mode == ProgressMode.TTY && live && drawn > 0) {
                err.print("\r" + ESC + drawn + "A" + ESC + "J");
                drawn = 0;
                lastFrame = null;
            }
            println(line);
            err.flush();
        }
    }

    /** Every line of progress goes out here or in {@link #redraw}, made printable. */
    private void println(String line) {
        err.println(Printable.line(line));
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
}
