package dev.exporter.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The streaming reader and writer agree with Jackson's databind mapper, and are strict where a manifest needs it. */
class JsonTest {

    private static final String DOCUMENT = "{\"schemaVersion\":2,\"int\":-7,\"long\":89144414123,"
            + "\"big\":123456789012345678901234567890,\"double\":1.5e-3,\"t\":true,\"f\":false,\"n\":null,"
            + "\"text\":\"<>& \\u2028 \\u0001 \\\" \u00fc \uD83D\uDE00\",\"nested\":[[],{},[1,{\"a\":[\"b\"]}]],\"empty\":\"\"}";

    private static byte[] bytes(String json) {
        return json.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void readsTheTreeDatabindReads() throws Exception {
        JsonNode expected = Json.mapper().readTree(bytes(DOCUMENT));
        JsonNode actual = Json.parse(bytes(DOCUMENT), "test");
        assertEquals(expected, actual);
        for (String number : new String[] {"int", "long", "big", "double"}) {
            assertEquals(expected.get(number).numberType(), actual.get(number).numberType(), number);
        }
    }

    @Test
    void writesTheBytesDatabindWrites() throws Exception {
        JsonNode tree = Json.mapper().readTree(bytes(DOCUMENT));
        assertArrayEquals(Json.mapper().writeValueAsBytes(tree), Json.write(tree));
    }

    @Test
    void roundTripsBuiltTrees() {
        ObjectNode object = Json.object().put("a", 1).put("b", "c");
        object.set("list", Json.array().add(2).add(true).addNull());
        assertEquals("{\"a\":1,\"b\":\"c\",\"list\":[2,true,null]}", new String(Json.write(object), StandardCharsets.UTF_8));
        assertEquals(object, Json.parse(Json.write(object), "test"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"a\":1,\"a\":2}", "{\"a\":1} {}", "{\"a\":1}x", "[1,2", "{\"a\":}", "nul"})
    void rejectsDuplicateKeysTrailingDataAndMalformedJson(String json) {
        ManifestException e = assertThrows(ManifestException.class, () -> Json.parse(bytes(json), "manifest x"));
        assertTrue(e.getMessage().startsWith("manifest x: malformed JSON ("), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "  \n"})
    void rejectsEmptyDocuments(String json) {
        ManifestException e = assertThrows(ManifestException.class, () -> Json.parse(bytes(json), "manifest x"));
        assertEquals("manifest x: empty document", e.getMessage());
    }

    @Test
    void readGivesMissingForNothing() throws Exception {
        assertTrue(Json.read(new byte[0]).isMissingNode());
    }
}
