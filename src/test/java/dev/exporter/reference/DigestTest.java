package dev.exporter.reference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class DigestTest {

    @Test
    void sha256Of_matchesKnownValue() {
        assertEquals("sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", Digest.sha256Of(new byte[0]).toString());
    }

    @Test
    void parse_acceptsSha512() {
        assertEquals("sha512", Digest.parse("sha512:" + "0".repeat(128)).algorithm());
    }

    @ParameterizedTest
    @ValueSource(strings = {"sha256:../../x", "sha256:" + "A", "sha256:", "sha256", ":abc", "sha1:0000",
            "sha256:gggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggg",
            "sha256:eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee",
            "sha256:EEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEE",
            "sha512:" + "0000"})
    void parse_rejectsAnythingThatIsNotExactHex_soNoDigestCanBecomeAPath(String text) {
        assertThrows(IllegalArgumentException.class, () -> Digest.parse(text));
    }
}
