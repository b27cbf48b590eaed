package dev.exporter.mirrors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class HubMirrorTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "https://mirror.corp,           mirror.corp,       false",
            "https://mirror.corp:5000/,     mirror.corp:5000,  false",
            "HTTPS://mirror.corp,           mirror.corp,       false",
            "http://10.0.0.5:5000,          10.0.0.5:5000,     true",
            "http://[::1]:5000,             '[::1]:5000',      true",
            "https://mirror.gcr.io,         mirror.gcr.io,     false",
    })
    void parse_rootUrl(String url, String registry, boolean insecure) {
        assertEquals(new HubMirror(registry, insecure), HubMirror.parse(url));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "mirror.corp:5000              | invalid registry mirror 'mirror.corp:5000': want an http:// or https:// URL",
            "ftp://mirror.corp             | invalid registry mirror 'ftp://mirror.corp': want an http:// or https:// URL",
            "https://mirror.corp/hub       | invalid registry mirror 'https://mirror.corp/hub': a mirror is a registry root, without a path",
            "https://u:p@mirror.corp       | invalid registry mirror 'https://u:p@mirror.corp': no user name or password in the URL (use login)",
            "https://mirror.corp/?x=1      | invalid registry mirror 'https://mirror.corp/?x=1': no query or fragment",
            "https://                      | invalid registry mirror 'https://': not a URL",
            "https://under_score.corp      | invalid registry mirror 'https://under_score.corp': no host",
            "'https://mirror corp'         | invalid registry mirror 'https://mirror corp': not a URL",
    })
    void parse_notARootUrl_failsQuotingIt(String url, String message) {
        assertEquals(message, assertThrows(IllegalArgumentException.class, () -> HubMirror.parse(url)).getMessage());
    }
}
