package dev.exporter.cli;

import dev.exporter.cli.TransferCounter.State;
import dev.exporter.cli.TransferCounter.Transfer;
import dev.exporter.image.Descriptor;
import dev.exporter.reference.Digest;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** What the download threads report, counted without locks: concurrent reports lose nothing. */
class TransferCounterTest {

    private static Descriptor blob(String seed, long size) {
        return Descriptor.of("application/vnd.oci.image.layer.v1.tar+gzip", Digest.sha256Of(seed), size);
    }

    @Test
    void concurrentReports_areAllCountedOncePerBlobInFirstHeardOrder() throws Exception {
        List<Descriptor> blobs = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            blobs.add(blob("blob " + i, 1_000_000));
        }
        TransferCounter counter = new TransferCounter(new AtomicLong()::incrementAndGet);
        counter.expect(blobs);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> work = new ArrayList<>();
            for (int thread = 0; thread < 8; thread++) {
                work.add(pool.submit(() -> {
                    for (Descriptor blob : blobs) {
                        counter.started(blob, false);
                        for (int i = 0; i < 1000; i++) {
                            counter.transferred(blob, 125);
                        }
                    }
                }));
            }
            for (Future<?> f : work) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
        blobs.forEach(counter::finished);

        List<Transfer> transfers = counter.transfers();
        assertEquals(blobs, transfers.stream().map(Transfer::blob).toList());
        for (Transfer t : transfers) {
            assertEquals(1_000_000, t.bytes());
            assertEquals(State.DONE, t.state());
            assertEquals(1_000_000, t.doneBytes());
        }
    }

    @Test
    void cachedBlobs_stayCachedWhenFinishedAndCountAsFromCache() {
        Descriptor cached = blob("cached", 300);
        Descriptor fetched = blob("fetched", 700);
        TransferCounter counter = new TransferCounter(() -> 0);

        counter.started(cached, true);
        counter.started(fetched, false);
        counter.transferred(fetched, 700);
        counter.finished(cached);
        counter.finished(fetched);

        assertEquals(List.of(State.CACHED, State.DONE), counter.transfers().stream().map(Transfer::state).toList());
        assertEquals(300, counter.cachedBytes());
    }

    @Test
    void bytesOfABlobNeverStarted_areIgnored() {
        TransferCounter counter = new TransferCounter(() -> 0);

        counter.transferred(blob("unknown", 10), 10);
        counter.finished(blob("unknown", 10));

        assertEquals(List.of(), counter.transfers());
    }
}
