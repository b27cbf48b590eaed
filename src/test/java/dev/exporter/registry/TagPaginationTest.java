package dev.exporter.registry;

import dev.exporter.reference.ImageReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Reading {@code Link} headers and turning next-page links into request paths. */
class TagPaginationTest {

    private static final ImageReference REPO = ImageReference.parse("registry.example:5000/team/app");
    private static final String FIRST = "/v2/team/app/tags/list?n=50";

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '|', nullValues = "NULL", value = {
            "</v2/team/app/tags/list?n=50&last=b>; rel=\"next\"                      | /v2/team/app/tags/list?n=50&last=b",
            "</v2/x?last=b>;rel=next                                                 | /v2/x?last=b",
            "<https://r.example/v2/x?last=b>; rel=\"next\"; type=\"application/json\"  | https://r.example/v2/x?last=b",
            "</v2/x?last=a>; rel=\"prev\", </v2/x?last=c>; rel=\"next\"                | /v2/x?last=c",
            "</v2/x?last=c>; title=\"a;b\"; REL=\"previous next\"                      | /v2/x?last=c",
            "</v2/x?last=a>; rel=\"prev\"                                              | NULL",
            "garbage                                                                 | NULL",
    })
    void nextLink_findsTheRelNextTarget(String header, String expected) {
        assertEquals(expected, TagsPage.nextLink(List.of(header)));
    }

    @Test
    void nextLink_looksAtEveryLinkHeader() {
        assertEquals("/v2/x?last=c", TagsPage.nextLink(List.of("</v2/x?last=a>; rel=\"prev\"", "</v2/x?last=c>; rel=\"next\"")));
        assertNull(TagsPage.nextLink(List.of()));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '|', value = {
            "/v2/team/app/tags/list?n=50&last=b                        | /v2/team/app/tags/list?n=50&last=b",
            "http://registry.example:5000/v2/team/app/tags/list?last=b | /v2/team/app/tags/list?last=b",
            "https://REGISTRY.example:5000/v2/team/app/tags/list?last=b | /v2/team/app/tags/list?last=b",
            "list?n=50&last=b                                          | /v2/team/app/tags/list?n=50&last=b",
            "?n=50&last=b%2Fc                                          | /v2/team/app/tags/list?n=50&last=b%2Fc",
            "//registry.example:5000/v2/team/app/tags/list?last=b      | /v2/team/app/tags/list?last=b",
    })
    void nextPath_resolvesRelativeAndAbsoluteLinks(String link, String expected) {
        assertEquals(expected, TagLister.nextPath(REPO, FIRST, link));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '|', value = {
            "https://elsewhere.example/v2/team/app/tags/list?last=b | leads away from registry.example:5000",
            "http://registry.example:6000/v2/team/app/tags/list      | leads away from registry.example:5000",
            "/admin/delete?all=1                                      | not a registry API path",
            "http://[bad                                              | not a valid URI",
    })
    void nextPath_refusesLinksLeavingTheRegistryApi(String link, String why) {
        RegistryException e = assertThrows(RegistryException.class, () -> TagLister.nextPath(REPO, FIRST, link));
        assertTrue(e.getMessage().startsWith("list tags of registry.example:5000/team/app: cannot follow the next-page link"),
                e.getMessage());
        assertTrue(e.getMessage().endsWith(why), e.getMessage());
    }

    @Test
    void nextPath_onRegistryWithoutPort_acceptsTheSchemesDefaultPort() {
        ImageReference hub = ImageReference.parse("ghcr.io/owner/app");
        assertEquals("/v2/owner/app/tags/list?last=x",
                TagLister.nextPath(hub, "/v2/owner/app/tags/list", "https://ghcr.io:443/v2/owner/app/tags/list?last=x"));
    }
}
