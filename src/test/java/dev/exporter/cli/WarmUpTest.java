package dev.exporter.cli;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WarmUpTest {

    @Test
    void setsUpTlsOnlyWhenTheRegistryMayUseIt() {
        assertTrue(WarmUp.loopbackOrPlain(new String[] {"127.0.0.1:5000/app:1", "-o", "x.tar"}));
        assertTrue(WarmUp.loopbackOrPlain(new String[] {"localhost:5000/app:1"}));
        assertTrue(WarmUp.loopbackOrPlain(new String[] {"[::1]:5000/app:1"}));
        assertTrue(WarmUp.loopbackOrPlain(new String[] {"registry.internal/app:1", "--plain-http"}));
        assertFalse(WarmUp.loopbackOrPlain(new String[] {"registry.example.com/app:1", "-o", "x.tar"}));
        assertFalse(WarmUp.loopbackOrPlain(new String[] {"alpine:3.14"}));
    }
}
