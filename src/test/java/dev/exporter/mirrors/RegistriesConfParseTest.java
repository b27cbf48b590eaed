package dev.exporter.mirrors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class RegistriesConfParseTest {

    static final Path ETC = Path.of("/etc/containers/registries.conf");

    static RegistriesConf parse(String toml) {
        return RegistriesConf.parse(ETC, toml, false);
    }

    @Test
    void parse_fedoraDefault_hasNoRegistryEntries() {
        RegistriesConf conf = parse("""
                # For more information on this configuration file, see containers-registries.conf(5).
                #
                # NOTE: RISK OF USING UNQUALIFIED IMAGE NAMES
                unqualified-search-registries = ["registry.fedoraproject.org", "registry.access.redhat.com", "docker.io"]

                # [[registry]]
                # # The "prefix" field is used to choose the relevant [[registry]] TOML table;
                # prefix = "example.com/foo"
                # insecure = false
                # blocked = false
                # location = "internal-registry-for-example.com/bar"

                short-name-mode = "enforcing"
                """);
        assertEquals(List.of(), conf.registries());
        assertEquals(List.of(ETC), conf.files());
    }

    @Test
    void parse_emptyOrCommentsOnly_hasNoEntries() {
        assertEquals(List.of(), parse("").registries());
        assertEquals(List.of(), parse("# nothing here\n\n").registries());
    }

    @Test
    void parse_fileWithoutRegistryTables_isNotParsedSoItsOtherTablesCannotFail() {
        // An alias named "registry" inside [aliases] is not a registry entry; the broken value is never read.
        RegistriesConf conf = parse("""
                unqualified-search-registries = ["docker.io"]
                [aliases]
                  "registry" = "docker.io/library/registry"
                  "broken" = 
                """);
        assertEquals(List.of(), conf.registries());
    }

    @Test
    void parse_registryArrayAfterTopLevelKeys_isFound() {
        RegistriesConf conf = parse("""
                short-name-mode = "permissive"
                registry = [{ location = "quay.io" }]
                """);
        assertEquals(List.of("quay.io"), conf.registries().stream().map(Registry::prefix).toList());
    }

    @Test
    void parse_unknownKeys_areIgnored() {
        RegistriesConf conf = parse("""
                credential-helpers = ["containers-auth.json", "secretservice"]
                additional-layer-store-auth-helper = "helper"
                [[registry]]
                location = "quay.io"
                some-future-setting = 3
                """);
        assertEquals(List.of("quay.io"), conf.registries().stream().map(Registry::prefix).toList());
    }

    @Test
    void parse_shortNameAliasesDropIn_isReadPast() {
        RegistriesConf conf = RegistriesConf.parse(Path.of("/etc/containers/registries.conf.d/000-shortnames.conf"),
                """
                [aliases]
                  # almalinux
                  "almalinux" = "docker.io/library/almalinux"
                  "almalinux-minimal" = "docker.io/library/almalinux-minimal"
                  # Arch Linux
                  "archlinux" = "docker.io/library/archlinux"
                """, true);
        assertEquals(List.of(), conf.registries());
    }

    @Test
    void parse_harborProxyCache_givesMirrorOfDockerHub() {
        RegistriesConf conf = parse("""
                [[registry]]
                prefix = "docker.io"
                location = "docker.io"

                [[registry.mirror]]
                location = "harbor.corp.example/dockerhub-proxy/"
                """);
        assertEquals(List.of(new Registry("docker.io", "docker.io", false, false, false,
                List.of(new Mirror("harbor.corp.example/dockerhub-proxy", false, PullFromMirror.ALL)), ETC)),
                conf.registries());
    }

    @Test
    void parse_everyField_isRead() {
        RegistriesConf conf = parse("""
                [[registry]]
                location = "quay.io"
                insecure = true

                [[registry]]
                prefix = "docker.io/library"
                location = "mirror.corp/hub/library"
                blocked = false
                [[registry.mirror]]
                location = "cache.corp:5000/library"
                insecure = true
                pull-from-mirror = "digest-only"
                [[registry.mirror]]
                location = "fast.corp/library"
                pull-from-mirror = "tag-only"

                [[registry]]
                prefix = "*.internal.example"
                blocked = true

                [[registry]]
                location = "old.example"
                mirror-by-digest-only = true
                mirror = [{ location = "new.example" }]
                """);
        assertEquals(List.of(
                new Registry("*.internal.example", "", false, true, false, List.of(), ETC),
                new Registry("docker.io/library", "mirror.corp/hub/library", false, false, false, List.of(
                        new Mirror("cache.corp:5000/library", true, PullFromMirror.DIGEST_ONLY),
                        new Mirror("fast.corp/library", false, PullFromMirror.TAG_ONLY)), ETC),
                new Registry("old.example", "old.example", false, false, true,
                        List.of(new Mirror("new.example", false, PullFromMirror.ALL)), ETC),
                new Registry("quay.io", "quay.io", true, false, false, List.of(), ETC)),
                conf.registries());
    }

    @Test
    void parse_samePrefixTwiceInOneFile_firstWins() {
        RegistriesConf conf = parse("""
                [[registry]]
                prefix = "example.com"
                location = "first.example"
                [[registry]]
                prefix = "example.com"
                location = "second.example"
                """);
        assertEquals(List.of("first.example"), conf.registries().stream().map(Registry::location).toList());
    }

    @Test
    void parse_v1_honoursInsecureAndBlock() {
        RegistriesConf conf = parse("""
                [registries.search]
                registries = ['registry1.com', 'registry2.com']

                [registries.insecure]
                registries = ['registry3.com', 'registry.unsafe.com']

                [registries.block]
                registries = ['registry.untrusted.com', 'registry.unsafe.com']
                """);
        assertEquals(List.of(
                new Registry("registry.unsafe.com", "registry.unsafe.com", true, true, false, List.of(), ETC),
                new Registry("registry.untrusted.com", "registry.untrusted.com", false, true, false, List.of(), ETC),
                new Registry("registry3.com", "registry3.com", true, false, false, List.of(), ETC)),
                conf.registries());
    }

    @Test
    void parse_v1WithOnlySearch_hasNoEntries() {
        assertEquals(List.of(), parse("""
                [registries.search]
                registries = ['registry1.com']
                """).registries());
    }

    static Stream<Arguments> damaged() {
        return Stream.of(
                Arguments.of("bad TOML", """
                        [[registry]]
                        location = "quay.io
                        """, "read /etc/containers/registries.conf: line 2: "),
                Arguments.of("duplicate key", """
                        [[registry]]
                        location = "quay.io"
                        location = "docker.io"
                        """, "read /etc/containers/registries.conf: line 3: duplicate key 'location'"),
                Arguments.of("insecure not a boolean", """
                        # comment
                        [[registry]]
                        location = "quay.io"
                        insecure = "yes"
                        """, "read /etc/containers/registries.conf: line 4: insecure must be true or false, not a string"),
                Arguments.of("location not a string", """
                        [[registry]]
                        location = 5000
                        """, "read /etc/containers/registries.conf: line 2: location must be a string, not a number"),
                Arguments.of("unknown pull-from-mirror", """
                        [[registry]]
                        location = "docker.io"

                        [[registry]]
                        location = "quay.io"
                        [[registry.mirror]]
                        location = "m1.corp"
                        [[registry.mirror]]
                        location = "m2.corp"
                        pull-from-mirror = "sometimes"
                        """, "read /etc/containers/registries.conf: line 10: unsupported pull-from-mirror value"
                        + " \"sometimes\" (want all, digest-only or tag-only) for mirror \"m2.corp\""),
                Arguments.of("pull-from-mirror on a registry", """
                        [[registry]]
                        location = "quay.io"
                        pull-from-mirror = "all"
                        """, "read /etc/containers/registries.conf: line 3: pull-from-mirror must not be set"),
                Arguments.of("mirror-by-digest-only and pull-from-mirror", """
                        [[registry]]
                        location = "quay.io"
                        mirror-by-digest-only = true
                        [[registry.mirror]]
                        location = "m.corp"
                        pull-from-mirror = "tag-only"
                        """, "read /etc/containers/registries.conf: line 6: cannot set mirror-by-digest-only"),
                Arguments.of("URL scheme in location", """
                        [[registry]]
                        prefix = "docker.io"
                        location = "https://mirror.corp"
                        """, "read /etc/containers/registries.conf: line 3: invalid location \"https://mirror.corp\":"
                        + " URI schemes are not supported"),
                Arguments.of("neither prefix nor location", """
                        [[registry]]
                        insecure = true
                        """, "read /etc/containers/registries.conf: line 1: both location and prefix are unset"),
                Arguments.of("prefix without location", """
                        [[registry]]
                        prefix = "example.com"
                        """, "read /etc/containers/registries.conf: line 2: location is unset and prefix"),
                Arguments.of("wildcard with a namespace", """
                        [[registry]]
                        prefix = "*.example.com/foo"
                        location = "x.example"
                        """, "read /etc/containers/registries.conf: line 2: wildcard prefix \"*.example.com/foo\""),
                Arguments.of("mirror without location", """
                        [[registry]]
                        location = "quay.io"
                        [[registry.mirror]]
                        insecure = true
                        """, "read /etc/containers/registries.conf: line 3: mirror location is unset"),
                Arguments.of("conflicting insecure", """
                        [[registry]]
                        prefix = "a.example/x"
                        location = "quay.io"
                        [[registry]]
                        prefix = "a.example/y"
                        location = "quay.io"
                        insecure = true
                        """, "read /etc/containers/registries.conf: line 7: registry \"quay.io\" is defined multiple"
                        + " times with conflicting 'insecure' setting"),
                Arguments.of("registry as a plain table", """
                        [registry]
                        location = "quay.io"
                        """, "read /etc/containers/registries.conf: line 1: registry must be an array of tables"),
                Arguments.of("mixed v1 and v2", """
                        [[registry]]
                        location = "quay.io"
                        [registries.block]
                        registries = ["docker.io"]
                        """, "read /etc/containers/registries.conf: line 3: mixing the v1"),
                Arguments.of("v1 list of numbers", """
                        [registries.insecure]
                        registries = [1, 2]
                        """, "read /etc/containers/registries.conf: line 2: registries.insecure.registries must be"
                        + " an array of strings"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("damaged")
    void parse_damaged_failsNamingFileAndLine(String what, String toml, String messageStart) {
        RegistriesConfException e = assertThrows(RegistriesConfException.class, () -> parse(toml));
        assertTrue(e.getMessage().startsWith(messageStart), e.getMessage());
        assertTrue(!e.getMessage().contains("\n"), "one line: " + e.getMessage());
    }

    @Test
    void parse_v1DropIn_fails() {
        RegistriesConfException e = assertThrows(RegistriesConfException.class, () -> RegistriesConf.parse(
                Path.of("/etc/containers/registries.conf.d/10-old.conf"), """
                        [registries.block]
                        registries = ["docker.io"]
                        """, true));
        assertEquals("read /etc/containers/registries.conf.d/10-old.conf: line 1: a drop-in must be in the v2 format"
                + " ([[registry]]), this is v1 ([registries.*])", e.getMessage());
    }
}
