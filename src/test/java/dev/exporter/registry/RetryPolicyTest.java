package dev.exporter.registry;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RetryPolicyTest {

    private final RetryPolicy policy = new RetryPolicy(5, Duration.ofMillis(500), Duration.ofSeconds(30));

    @ParameterizedTest(name = "retry {0}: between {1} and {2} ms")
    @CsvSource({
            "1, 250, 500",
            "2, 500, 1000",
            "3, 1000, 2000",
            "4, 2000, 4000",
            "5, 4000, 8000",
            "7, 15000, 30000",
            "8, 15000, 30000",
            "64, 15000, 30000",
            "1000, 15000, 30000"})
    void delay_withoutRetryAfter_isJitteredExponentialBackoffCappedAtMax(int retry, long min, long max) {
        for (int sample = 0; sample < 200; sample++) {
            long millis = policy.delay(retry, null).toMillis();
            assertTrue(millis >= min && millis <= max, "retry " + retry + " waited " + millis + " ms");
        }
    }

    @Test
    void delay_isJittered() {
        long distinct = java.util.stream.IntStream.range(0, 50)
                .mapToLong(i -> policy.delay(5, null).toMillis()).distinct().count();
        assertTrue(distinct > 1, "delays vary so that many clients do not retry in lockstep");
    }

    @ParameterizedTest(name = "Retry-After {0} s waits {1} ms")
    @CsvSource({
            "0, 0",
            "1, 1000",
            "7, 7000",
            "30, 30000",
            "31, 30000",
            "86400, 30000"})
    void delay_withRetryAfter_honoursItUpToMaxDelay(long retryAfterSeconds, long expectedMillis) {
        assertEquals(expectedMillis, policy.delay(1, Duration.ofSeconds(retryAfterSeconds)).toMillis());
        assertEquals(expectedMillis, policy.delay(4, Duration.ofSeconds(retryAfterSeconds)).toMillis());
    }

    @Test
    void negativeRetries_areRejectedQuotingTheValue() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new RetryPolicy(-1, Duration.ofMillis(500), Duration.ofSeconds(30)));
        assertTrue(e.getMessage().contains("-1"), e.getMessage());
    }

    @Test
    void zeroRetries_isAllowedAndMeansNoRetry() {
        assertEquals(0, new RetryPolicy(0, Duration.ofMillis(500), Duration.ofSeconds(30)).maxRetries());
    }

    @Test
    void defaults_retryFiveTimesStartingAtHalfASecond() {
        RetryPolicy defaults = RetryPolicy.defaults();
        assertEquals(5, defaults.maxRetries());
        assertEquals(Duration.ofMillis(500), defaults.initialDelay());
        assertEquals(Duration.ofSeconds(30), defaults.maxDelay());
    }
}
