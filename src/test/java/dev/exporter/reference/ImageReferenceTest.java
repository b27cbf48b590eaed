package dev.exporter.reference;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ImageReferenceTest {

    private static final String D = "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(nullValues = "-", value = {
            // input, full, registry, repository, tag, digest, familiar, apiHost
            "alpine, docker.io/library/alpine:latest, docker.io, library/alpine, latest, -, alpine, registry-1.docker.io",
            "alpine:3.14, docker.io/library/alpine:3.14, docker.io, library/alpine, 3.14, -, alpine, registry-1.docker.io",
            "user/app, docker.io/user/app:latest, docker.io, user/app, latest, -, user/app, registry-1.docker.io",
            "docker.io/library/alpine:3, docker.io/library/alpine:3, docker.io, library/alpine, 3, -, alpine, registry-1.docker.io",
            "index.docker.io/alpine, docker.io/library/alpine:latest, docker.io, library/alpine, latest, -, alpine, registry-1.docker.io",
            "host:5000/a/b:tag, host:5000/a/b:tag, host:5000, a/b, tag, -, host:5000/a/b, host:5000",
            "localhost/x, localhost/x:latest, localhost, x, latest, -, localhost/x, localhost",
            "localhost:5000, docker.io/library/localhost:5000, docker.io, library/localhost, 5000, -, localhost, registry-1.docker.io",
            "Registry.Example.com/x, Registry.Example.com/x:latest, Registry.Example.com, x, latest, -, Registry.Example.com/x, Registry.Example.com",
            "[::1]:5000/img:1, [::1]:5000/img:1, [::1]:5000, img, 1, -, [::1]:5000/img, [::1]:5000",
            "name@" + D + ", docker.io/library/name@" + D + ", docker.io, library/name, -, " + D + ", name, registry-1.docker.io",
            "name:tag@" + D + ", docker.io/library/name:tag@" + D + ", docker.io, library/name, tag, " + D + ", name, registry-1.docker.io",
            "gcr.io/distroless/static:nonroot, gcr.io/distroless/static:nonroot, gcr.io, distroless/static, nonroot, -, gcr.io/distroless/static, gcr.io",
            "a__b/c-d.e_f, docker.io/a__b/c-d.e_f:latest, docker.io, a__b/c-d.e_f, latest, -, a__b/c-d.e_f, registry-1.docker.io",
    })
    void parse_normalizesLikeDocker(String input, String full, String registry, String repository, String tag,
                                    String digest, String familiar, String apiHost) {
        ImageReference ref = ImageReference.parse(input);
        assertEquals(full, ref.toString());
        assertEquals(registry, ref.registry());
        assertEquals(repository, ref.repository());
        assertEquals(tag, ref.tag());
        assertEquals(digest, ref.digest() == null ? null : ref.digest().toString());
        assertEquals(familiar, ref.familiarName());
        assertEquals(apiHost, ref.apiHost());
    }

    @ParameterizedTest(name = "[{index}] ''{0}''")
    @CsvSource(delimiter = '|', value = {
            "''|empty image name",
            "Alpine|repository name must be lowercase",
            "alpine:|invalid tag ''",
            "alpine:bad tag|invalid tag",
            "alpine@sha256:abc|invalid digest 'sha256:abc'",
            "alpine@md5:" + "a" + "|unsupported digest algorithm",
            "host:5000/|missing repository name",
            "a//b|invalid repository name component ''",
            "-x|invalid repository name component '-x'",
            "bad_host!:5000/x|invalid",
            "127.0.0.1:99999/x:1|port 99999 is not between 1 and 65535",
            "127.0.0.1:4610311498/x:1|port 4610311498 is not between 1 and 65535",
            "[::1]:0/x:1|port 0 is not between 1 and 65535",
    })
    void parse_rejectsInvalidNames_quotingTheInput(String input, String expected) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ImageReference.parse(input));
        assertTrue(e.getMessage().startsWith("invalid reference '" + input + "'"), e.getMessage());
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    @ParameterizedTest
    @CsvSource({"localhost:5000/x, true", "127.0.0.1:5000/x, true", "127.1.2.3/x, true", "[::1]:5000/x, true",
            "example.com/x, false", "alpine, false", "128.0.0.1/x, false", "[0:0:0:0:0:0:0:1]:5000/x, true"})
    void isLoopbackRegistry_matchesDockersDefaultInsecureRegistries(String input, boolean loopback) {
        assertEquals(loopback, ImageReference.parse(input).isLoopbackRegistry());
    }

    @ParameterizedTest
    @CsvSource({
            "alpine, docker.io/library/alpine:latest, true",
            "127.0.0.1:5000/a/b:1, 127.0.0.1:5000/a/b:1, true",
            "alpine:3.14, alpine:3.15, false",
            "a/b:1, c/b:1, false",
            "r.example/a:1, s.example/a:1, false",
            "alpine:3.14, alpine@sha256:0000000000000000000000000000000000000000000000000000000000000000, false",
            "alpine@sha256:0000000000000000000000000000000000000000000000000000000000000000, "
                    + "alpine@sha256:0000000000000000000000000000000000000000000000000000000000000001, false",
            "alpine:1@sha256:0000000000000000000000000000000000000000000000000000000000000000, "
                    + "alpine:1@sha256:0000000000000000000000000000000000000000000000000000000000000000, true"})
    void equals_comparesEveryPart_andEqualOnesHashAlike(String a, String b, boolean equal) {
        ImageReference x = ImageReference.parse(a);
        ImageReference y = ImageReference.parse(b);
        assertEquals(equal, x.equals(y));
        assertEquals(equal, y.equals(x));
        if (equal) {
            assertEquals(x.hashCode(), y.hashCode());
        }
    }
}
