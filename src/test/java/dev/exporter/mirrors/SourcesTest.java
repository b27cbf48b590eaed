package dev.exporter.mirrors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.exporter.reference.ImageReference;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SourcesTest {

    static final String DIGEST = "sha256:" + "a".repeat(64);

    static Sources sources(String toml, HubMirror... hubMirrors) {
        return new Sources(RegistriesConfParseTest.parse(toml), List.of(hubMirrors));
    }

    /** Each source as {@code reference [mirror] [insecure]}, for compact expectations. */
    static List<String> pull(Sources sources, String reference) {
        return sources.pull(ImageReference.parse(reference)).stream()
                .map(s -> s.reference() + (s.mirror() ? " mirror" : "") + (s.insecure() ? " insecure" : ""))
                .toList();
    }

    @Test
    void pull_withoutConfiguration_isThePrimaryOnly() {
        assertEquals(List.of("docker.io/library/alpine:3.20"),
                pull(new Sources(RegistriesConf.empty(), List.of()), "alpine:3.20"));
    }

    @Test
    void pull_documentedExample_triesMirrorsThenRewrittenLocation() {
        Sources s = sources("""
                unqualified-search-registries = ["example.com"]

                [[registry]]
                prefix = "example.com/foo"
                insecure = false
                blocked = false
                location = "internal-registry-for-example.com/bar"

                [[registry.mirror]]
                location = "example-mirror-0.local/mirror-for-foo"

                [[registry.mirror]]
                location = "example-mirror-1.local/mirrors/foo"
                insecure = true

                [[registry]]
                location = "registry.com"

                [[registry.mirror]]
                location = "mirror.registry.com"
                """);
        assertEquals(List.of(
                "example-mirror-0.local/mirror-for-foo/image:latest mirror",
                "example-mirror-1.local/mirrors/foo/image:latest mirror insecure",
                "internal-registry-for-example.com/bar/image:latest"), pull(s, "example.com/foo/image:latest"));
        assertEquals(List.of("mirror.registry.com/image:latest mirror", "registry.com/image:latest"),
                pull(s, "registry.com/image"));
    }

    @Test
    void pull_harborProxyCache_keepsLibraryPath() {
        Sources s = sources("""
                [[registry]]
                prefix = "docker.io"
                location = "docker.io"
                [[registry.mirror]]
                location = "harbor.corp.example/dockerhub-proxy"
                """);
        assertEquals(List.of("harbor.corp.example/dockerhub-proxy/library/nginx:1.27 mirror",
                "docker.io/library/nginx:1.27"), pull(s, "nginx:1.27"));
        assertEquals(List.of("harbor.corp.example/dockerhub-proxy/bitnami/redis:7 mirror",
                "docker.io/bitnami/redis:7"), pull(s, "bitnami/redis:7"));
    }

    @Test
    void pull_rewriteOfDockerHubLibrary_changesOnlyLibrary() {
        Sources s = sources("""
                [[registry]]
                prefix = "docker.io/library"
                location = "mirror.corp/hub/library"
                """);
        List<Source> alpine = s.pull(ImageReference.parse("alpine"));
        assertEquals(List.of(new Source(ImageReference.parse("mirror.corp/hub/library/alpine:latest"), false, false)),
                alpine);
        assertEquals("mirror.corp", alpine.get(0).registry());
        assertEquals("hub/library/alpine", alpine.get(0).repository());
        assertEquals(List.of("docker.io/bitnami/redis:7"), pull(s, "bitnami/redis:7"));
    }

    @Test
    void pull_digestOnlyMirror_servesOnlyDigests() {
        Sources s = sources("""
                [[registry]]
                location = "docker.io"
                [[registry.mirror]]
                location = "pinned.corp/hub"
                pull-from-mirror = "digest-only"
                [[registry.mirror]]
                location = "tags.corp/hub"
                pull-from-mirror = "tag-only"
                [[registry.mirror]]
                location = "any.corp/hub"
                """);
        assertEquals(List.of("tags.corp/hub/library/alpine:3 mirror", "any.corp/hub/library/alpine:3 mirror",
                "docker.io/library/alpine:3"), pull(s, "alpine:3"));
        assertEquals(List.of("pinned.corp/hub/library/alpine@" + DIGEST + " mirror",
                "any.corp/hub/library/alpine@" + DIGEST + " mirror",
                "docker.io/library/alpine@" + DIGEST), pull(s, "alpine@" + DIGEST));
        // a tag and a digest: the digest is what is pulled
        assertEquals(List.of("pinned.corp/hub/library/alpine:3@" + DIGEST + " mirror",
                "any.corp/hub/library/alpine:3@" + DIGEST + " mirror",
                "docker.io/library/alpine:3@" + DIGEST), pull(s, "alpine:3@" + DIGEST));
    }

    @Test
    void pull_mirrorByDigestOnly_skipsEveryMirrorForTags() {
        Sources s = sources("""
                [[registry]]
                location = "quay.io"
                mirror-by-digest-only = true
                [[registry.mirror]]
                location = "m.corp/quay"
                """);
        assertEquals(List.of("quay.io/app/x:1"), pull(s, "quay.io/app/x:1"));
        assertEquals(List.of("m.corp/quay/app/x@" + DIGEST + " mirror", "quay.io/app/x@" + DIGEST),
                pull(s, "quay.io/app/x@" + DIGEST));
    }

    @Test
    void pull_longestPrefixWins_andOnlyItsMirrorsApply() {
        Sources s = sources("""
                [[registry]]
                location = "docker.io"
                [[registry.mirror]]
                location = "all.corp"
                [[registry]]
                location = "docker.io/library"
                [[registry.mirror]]
                location = "lib.corp/library"
                [[registry]]
                location = "docker.io/library/alpine"
                insecure = true
                """);
        assertEquals(List.of("docker.io/library/alpine:latest insecure"), pull(s, "alpine"));
        assertEquals(List.of("lib.corp/library/alpine-x:1 mirror", "docker.io/library/alpine-x:1"),
                pull(s, "alpine-x:1"));
        assertEquals(List.of("all.corp/user/app:1 mirror", "docker.io/user/app:1"), pull(s, "user/app:1"));
    }

    @Test
    void pull_wildcardPrefix_appliesSettingsWithoutRewrite() {
        Sources s = sources("""
                [[registry]]
                prefix = "*.corp.example"
                insecure = true
                [[registry.mirror]]
                location = "cache.example/corp"
                [[registry]]
                prefix = "special.corp.example"
                location = "special.corp.example"
                """);
        assertEquals(List.of("cache.example/corp/team/app:1 mirror", "build.corp.example/team/app:1 insecure"),
                pull(s, "build.corp.example/team/app:1"));
        // a literal prefix longer than "*.corp.example" wins
        assertEquals(List.of("special.corp.example/app:1"), pull(s, "special.corp.example/app:1"));
        assertEquals(List.of("corp.example/app:1"), pull(s, "corp.example/app:1"));
    }

    @Test
    void pull_blockedRegistry_failsNamingTheFile() {
        Sources s = sources("""
                [[registry]]
                location = "registry.untrusted.com"
                blocked = true
                """);
        BlockedException e = assertThrows(BlockedException.class,
                () -> s.pull(ImageReference.parse("registry.untrusted.com/x/y:1")));
        assertEquals("registry.untrusted.com/x/y:1 is blocked by /etc/containers/registries.conf"
                + " (prefix \"registry.untrusted.com\")", e.getMessage());
        assertEquals(RegistriesConfParseTest.ETC, e.file());
        assertThrows(BlockedException.class, () -> s.push(ImageReference.parse("registry.untrusted.com/x/y:1")));
        assertEquals(List.of("registry.com/x/y:1"), pull(s, "registry.com/x/y:1"));
    }

    @Test
    void pull_blockedNamespace_blocksOnlyIt() {
        Sources s = sources("""
                [[registry]]
                location = "docker.io/evil"
                blocked = true
                """);
        assertThrows(BlockedException.class, () -> s.pull(ImageReference.parse("evil/miner")));
        assertEquals(List.of("docker.io/library/alpine:latest"), pull(s, "alpine"));
    }

    @Test
    void pull_mirrorOnBlockedRegistry_isSkipped_andBlockedRewriteFails() {
        Sources s = sources("""
                [[registry]]
                location = "quay.io"
                [[registry.mirror]]
                location = "bad.mirror"
                [[registry.mirror]]
                location = "good.mirror"
                [[registry]]
                location = "bad.mirror"
                blocked = true
                [[registry]]
                prefix = "old.example"
                location = "bad.mirror/old"
                """);
        assertEquals(List.of("good.mirror/a:1 mirror", "quay.io/a:1"), pull(s, "quay.io/a:1"));
        BlockedException e = assertThrows(BlockedException.class, () -> s.pull(ImageReference.parse("old.example/a:1")));
        assertEquals("bad.mirror/old/a:1 is blocked by /etc/containers/registries.conf (prefix \"bad.mirror\")",
                e.getMessage());
    }

    @Test
    void pull_rewriteToUnqualifiedName_failsNamingTheFile() {
        Sources s = sources("""
                [[registry]]
                prefix = "mirror.corp/hub"
                location = "docker.io"
                """);
        RegistriesConfException e = assertThrows(RegistriesConfException.class,
                () -> s.pull(ImageReference.parse("mirror.corp/hub/alpine:1")));
        assertTrue(e.getMessage().startsWith("read /etc/containers/registries.conf: prefix \"mirror.corp/hub\""
                + " rewrites mirror.corp/hub/alpine:1 to \"docker.io/alpine:1\""), e.getMessage());
    }

    @Test
    void push_rewritesButNeverUsesMirrors() {
        Sources s = sources("""
                [[registry]]
                prefix = "docker.io/library"
                location = "mirror.corp/hub/library"
                insecure = true
                [[registry.mirror]]
                location = "cache.corp/library"
                """, HubMirror.parse("https://hub-mirror.corp"));
        assertEquals(new Source(ImageReference.parse("mirror.corp/hub/library/alpine:1"), true, false),
                s.push(ImageReference.parse("alpine:1")));
        assertEquals(new Source(ImageReference.parse("quay.io/a/b:1"), false, false),
                s.push(ImageReference.parse("quay.io/a/b:1")));
    }

    @Test
    void pushTarget_rewritesRefusesBlockedAndIgnoresMirrors() {
        RegistriesConf conf = RegistriesConfParseTest.parse("""
                [[registry]]
                prefix = "docker.io/library"
                location = "mirror.corp/hub/library"
                [[registry.mirror]]
                location = "cache.corp/library"
                [[registry]]
                location = "blocked.corp"
                blocked = true
                """);
        assertEquals(new Source(ImageReference.parse("mirror.corp/hub/library/alpine:1"), false, false),
                conf.pushTarget(ImageReference.parse("alpine:1")));
        assertThrows(BlockedException.class, () -> conf.pushTarget(ImageReference.parse("blocked.corp/x:1")));
    }

    @Test
    void pull_registryMirrorFlags_comeFirstAndOnlyForDockerHub() {
        Sources s = sources("""
                [[registry]]
                location = "docker.io"
                [[registry.mirror]]
                location = "conf.corp/hub"
                pull-from-mirror = "digest-only"
                """, HubMirror.parse("https://mirror.corp:5000"), HubMirror.parse("http://10.0.0.5:5000/"));
        assertEquals(List.of("mirror.corp:5000/library/alpine:3 mirror", "10.0.0.5:5000/library/alpine:3 mirror insecure",
                "docker.io/library/alpine:3"), pull(s, "alpine:3"));
        assertEquals(List.of("mirror.corp:5000/user/app@" + DIGEST + " mirror",
                "10.0.0.5:5000/user/app@" + DIGEST + " mirror insecure",
                "conf.corp/hub/user/app@" + DIGEST + " mirror", "docker.io/user/app@" + DIGEST),
                pull(s, "docker.io/user/app@" + DIGEST));
        assertEquals(List.of("quay.io/a/b:1"), pull(s, "quay.io/a/b:1"));
    }

    @ParameterizedTest(name = "{0} matches {1}: {2}")
    @CsvSource({
            "example.com,          example.com/a/b,             true",
            "example.com,          example.com,                 true",
            "example.com,          example.com:5000/a,          true",  // containers/image's documented quirk
            "example.com,          example.community/a,         false",
            "example.com,          sub.example.com/a,           false",
            "example.com/foo,      example.com/foo/bar,         true",
            "example.com/foo,      example.com/foo,             true",
            "example.com/foo,      example.com/foobar,          false",
            "example.com/foo,      example.com/fo,              false",
            "*.example.com,        foo.example.com/a,           true",
            "*.example.com,        a.b.example.com/x/y,         true",
            "*.example.com,        foo.example.com:5000/a,      true",
            "*.example.com,        foo.example.com,             true",
            "*.example.com,        example.com/a,               false",
            "*.example.com,        foo.example.community/a,     false",
            "*.example.com,        other.io/foo.example.com/a,  false",
            "*.example.com,        fooexample.com/a,            false",
    })
    void prefix_matching(String prefix, String name, boolean matches) {
        Registry r = new Registry(prefix, prefix.startsWith("*.") ? "" : prefix, false, false, false, List.of(),
                Path.of("/x.conf"));
        assertEquals(matches, r.matchEnd(name) >= 0);
    }
}
