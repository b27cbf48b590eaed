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
            throw rethrow(e);
        }
    }

    /**
     * {@code failure} as a concurrent task's caller should see it: unwrapped from the future's wrappers, thrown
     * at once when unchecked, else returned for the caller to throw.
     */
    public static IOException rethrow(Throwable failure) {
        Throwable cause = failure;
        while ((cause instanceof CompletionException || cause instanceof CancellationException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        if (cause instanceof RuntimeException runtime) {
            throw runtime;
        }
        if (cause instanceof Error error) {
            throw error;
        }
        return cause instanceof IOException io ? io : new IOException(cause.getMessage(), cause);
    }
}
