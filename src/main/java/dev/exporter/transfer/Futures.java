package dev.exporter.transfer;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/** Waiting for concurrent downloads. */
public final class Futures {

    private Futures() {
    }

    /** Waits for every future, failing as soon as the first one fails, with that failure unwrapped. */
    public static void awaitAll(List<? extends CompletableFuture<?>> futures) throws IOException {
        CompletableFuture<Void> firstFailure = new CompletableFuture<>();
        for (CompletableFuture<?> f : futures) {
            f.whenComplete((v, e) -> {
                if (e != null) {
                    firstFailure.completeExceptionally(e);
                }
            });
        }
        try {
            CompletableFuture.anyOf(CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)), firstFailure).join();
        } catch (CompletionException | CancellationException e) {
            Throwable cause = e;
            while ((cause instanceof CompletionException || cause instanceof CancellationException) && cause.getCause() != null) {
                cause = cause.getCause();
            }
            if (cause instanceof RuntimeException runtime) {
                throw runtime;
            }
            if (cause instanceof IOException io) {
                throw io;
            }
            if (cause instanceof Error error) {
                throw error;
            }
            throw new IOException(cause.getMessage(), cause);
        }
    }
}
