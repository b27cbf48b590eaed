package dev.exporter.remote;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Which {@code Content-Range} answers are exactly the rest of a 100-byte blob after 40 bytes held. */
class ContentRangeTest {

    @ParameterizedTest(name = "''{0}'' is the rest: {1}")
    @CsvSource(delimiter = '|', value = {
            "bytes 40-99/100|true",
            "bytes 40-99/*|true",
            "bytes 0-99/100|false",
            "bytes 41-99/100|false",
            "bytes 40-98/100|false",
            "bytes 40-99/101|false",
            "bytes 99999999999999999999-1/2|false",
            "bytes 40-999999999999999999999/100|false",
            "bytes -40-99/100|false",
            "bytes 40-39/100|false",
            "bytes 40-99|false",
            "items 40-99/100|false",
            "''|false",
    })
    void isRestOf(String header, boolean expected) {
        assertEquals(expected, ContentRange.isRestOf(header, 40, 100));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {"bytes 40-99/100|100", "bytes 40-99/*|-1", "junk|-1"})
    void total(String header, long expected) {
        assertEquals(expected, ContentRange.total(header));
    }
}
