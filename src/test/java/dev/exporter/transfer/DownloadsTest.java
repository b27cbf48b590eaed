package dev.exporter.transfer;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The order downloads start in, for every sink: the largest first, ties as they come. */
class DownloadsTest {

    private record Blob(String name, long size) {
    }

    @Test
    void largestFirst_tiesInTheirOrder() {
        List<Blob> blobs = List.of(new Blob("a", 5), new Blob("b", 90), new Blob("c", 1), new Blob("d", 90),
                new Blob("e", 30));

        List<String> order = Downloads.largestFirst(blobs, Blob::size).stream().map(Blob::name).toList();

        assertEquals(List.of("b", "d", "e", "a", "c"), order);
    }
}
