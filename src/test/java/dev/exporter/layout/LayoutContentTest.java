package dev.exporter.layout;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;

class LayoutContentTest {



    private static final String HEX = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    @ParameterizedTest(name = "{0}")
    @CsvSource(nullValues = "none", value = {
            "127.0.0.1:5000/a/x:1, 127.0.0.1:5000/a/x:1",
            "docker.io/library/alpine:3.14, docker.io/library/alpine:3.14",
            "registry.test/a-b.c_d/x--y:V1.2-rc_3, registry.test/a-b.c_d/x--y:V1.2-rc_3",
            "host:5000/a/x@sha256:" + HEX + ", host:5000/a/x@sha256:" + HEX,
            "host/a/x:1@sha256:" + HEX + ", host/a/x:1@sha256:" + HEX,
            "host/a__b:1, none",
            "host/a---b:1, none",
            "host/x:v1_, none",
            "host/x:_v1, none",
            "host/x:v1.., none",
    })
    void refName_isTheFullReference_whenTheImageSpecGrammarAllowsIt(String reference, String expected) {
        assertEquals(expected, LayoutContent.refName(reference));
    }
}
