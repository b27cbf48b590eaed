package dev.exporter.cli;

import dev.exporter.image.Descriptor;
import dev.exporter.reference.Digest;
import dev.exporter.push.PushListener;

import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Counts what the download threads report: per blob its state, bytes and start and end times. Only counters
 * and volatile fields change here (no locks, no I/O), so a download never waits for the terminal;
 * {@link ProgressRenderer} samples them.
 */
final class TransferCounter implements PushListener {

    enum State { WAITING, DOWNLOADING, CACHED, DONE }

    /** What a blob line says in each state: a pull's words or a push's (as docker push says them). */
    record Words(String active, String done, String skipped) {
        static final Words PULL = new Words("Downloading", "Done", "Cached");
        static final Words PUSH = new Words("Pushing", "Pushed", "Layer already exists");
    }

    /** One blob as the download threads last reported it. */
    static final class Transfer {
        private final Descriptor blob;
        private final AtomicLong bytes = new AtomicLong();
        private final Words words;
        private volatile State state = State.WAITING;
        private volatile String note;
        private volatile long startedAt;
        private volatile long finishedAt;

        private Transfer(Descriptor blob, Words words) {
            this.blob = blob;
            this.words = words;
        }

        /** The word for the state: {@code Downloading}, {@code Pushed}, {@code Mounted from library/alpine}. */
        String word() {
            return switch (state) {
                case WAITING -> "Waiting";
                case DOWNLOADING -> words.active();
                case CACHED -> note != null ? note : words.skipped();
                case DONE -> words.done();
            };
        }

        Descriptor blob() {
            return blob;
        }

        State state() {
            return state;
        }

        /** Bytes received so far, less those a restarted download discarded. */
        long bytes() {
            return bytes.get();
        }

        /** The part of the blob that is there: all of it once done or cached. */
        long doneBytes() {
            return switch (state) {
                case WAITING -> 0;
                case DOWNLOADING -> Math.max(0, Math.min(blob.size(), bytes.get()));
                case CACHED, DONE -> blob.size();
            };
        }

        long elapsed() {
            return finishedAt - startedAt;
        }
    }

    private final LongSupplier clock;
    private final Words words;
    private final Map<Digest, Transfer> transfers = new ConcurrentHashMap<>();
    private final Queue<Transfer> order = new ConcurrentLinkedQueue<>();

    TransferCounter(LongSupplier clock) {
        this(clock, Words.PULL);
    }

    TransferCounter(LongSupplier clock, Words words) {
        this.clock = clock;
        this.words = words;
    }

    /** Counts {@code blobs} into the total before they start, so the total is known from the beginning. */
    void expect(List<Descriptor> blobs) {
        blobs.forEach(this::transfer);
    }

    @Override
    public void started(Descriptor blob, boolean cached) {
        Transfer transfer = transfer(blob);
        transfer.startedAt = clock.getAsLong();
        transfer.state = cached ? State.CACHED : State.DOWNLOADING;
    }

    @Override
    public void skipped(Descriptor blob, String why) {
        Transfer transfer = transfer(blob);
        transfer.note = why;
        transfer.finishedAt = clock.getAsLong();
        transfer.state = State.CACHED;
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

    /** Every blob counted so far, in the order they were first heard of. */
    List<Transfer> transfers() {
        return List.copyOf(order);
    }

    /** Bytes that came from the cache instead of the registry. */
    long cachedBytes() {
        return order.stream().filter(t -> t.state == State.CACHED).mapToLong(t -> t.blob.size()).sum();
    }

    private Transfer transfer(Descriptor blob) {
        Transfer known = transfers.get(blob.digest());
        if (known != null) {
            return known;
        }
        Transfer created = new Transfer(blob, words);
        Transfer raced = transfers.putIfAbsent(blob.digest(), created);
        if (raced != null) {
            return raced;
        }
        order.add(created);
        return created;
    }
}
