package dev.exporter.registry.auth;

import com.fasterxml.jackson.databind.JsonNode;
import dev.exporter.image.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DockerConfigFileTest {

    @TempDir
    Path dir;

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    private DockerConfigFile config(String json) throws IOException {
        Path file = dir.resolve("config.json");
        Files.writeString(file, json);
        return DockerConfigFile.read(file);
    }

    static Stream<Arguments> entries() {
        return Stream.of(
                Arguments.of("auth base64", "{\"auth\":\"" + b64("alice:pa:ss") + "\"}",
                        Credentials.Type.PASSWORD, "alice", "pa:ss"),
                Arguments.of("username and password fields", "{\"username\":\"bob\",\"password\":\"pw\"}",
                        Credentials.Type.PASSWORD, "bob", "pw"),
                Arguments.of("auth wins over fields", "{\"auth\":\"" + b64("alice:a") + "\",\"username\":\"bob\",\"password\":\"b\"}",
                        Credentials.Type.PASSWORD, "alice", "a"),
                Arguments.of("identity token", "{\"auth\":\"" + b64("alice:") + "\",\"identitytoken\":\"refresh\"}",
                        Credentials.Type.IDENTITY_TOKEN, "alice", "refresh"),
                Arguments.of("registry token", "{\"registrytoken\":\"bearer-token\",\"identitytoken\":\"x\"}",
                        Credentials.Type.REGISTRY_TOKEN, null, "bearer-token"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("entries")
    void storedCredentials_readsEachKindOfEntry(String name, String entry, Credentials.Type type, String user, String secret)
            throws IOException {
        DockerConfigFile file = config("{\"auths\":{\"quay.io\":" + entry + "}}");

        Credentials found = file.storedCredentials("quay.io").orElseThrow();

        assertEquals(type, found.type());
        assertEquals(user, found.username());
        assertEquals(secret, found.secret());
        assertEquals(dir.resolve("config.json").toString(), found.source());
    }

    @Test
    void storedCredentials_dockerHubUnderAnyOfItsNames() throws IOException {
        for (String key : List.of("https://index.docker.io/v1/", "docker.io", "index.docker.io", "registry-1.docker.io")) {
            DockerConfigFile file = config("{\"auths\":{\"" + key + "\":{\"auth\":\"" + b64("u:p") + "\"}}}");

            assertEquals("u", file.storedCredentials("docker.io").orElseThrow().username(), key);
        }
    }

    @Test
    void storedCredentials_exactKeyBeatsUrlKey_andEmptyEntriesAreSkipped() throws IOException {
        DockerConfigFile file = config("{\"auths\":{"
                + "\"https://quay.io/v2/\":{\"auth\":\"" + b64("old:x") + "\"},"
                + "\"quay.io\":{\"auth\":\"" + b64("new:y") + "\"},"
                + "\"ghcr.io\":{},"
                + "\"https://ghcr.io\":{\"auth\":\"" + b64("g:z") + "\"}}}");

        assertEquals("new", file.storedCredentials("quay.io").orElseThrow().username());
        assertEquals("g", file.storedCredentials("ghcr.io").orElseThrow().username());
        assertEquals(Optional.empty(), file.storedCredentials("gcr.io"));
    }

    @Test
    void missingOrEmptyFile_hasNoCredentials() throws IOException {
        assertEquals(Optional.empty(), DockerConfigFile.read(dir.resolve("absent.json")).storedCredentials("quay.io"));
        assertEquals(Optional.empty(), config("").storedCredentials("quay.io"));
        assertEquals(Optional.empty(), config("{}").helperFor("quay.io"));
    }

    @Test
    void invalidJson_failsNamingFileAndPosition_withoutQuotingIt() {
        CredentialsException e = assertThrows(CredentialsException.class,
                () -> config("{\"auths\":{\"quay.io\":{\"auth\":\"c2VjcmV0\"}}} trailing-hunter2"));

        assertTrue(e.getMessage().startsWith("read credentials from " + dir.resolve("config.json") + ": not valid JSON (line 1"),
                e.getMessage());
        assertFalse(e.getMessage().contains("hunter2"), e.getMessage());
        assertEquals(null, e.getCause(), "the parser's message would quote the file");
    }

    @Test
    void invalidBase64_failsNamingTheEntry_withoutQuotingTheSecret() throws IOException {
        DockerConfigFile file = config("{\"auths\":{\"quay.io\":{\"auth\":\"hunter2!!\"}}}");

        CredentialsException e = assertThrows(CredentialsException.class, () -> file.storedCredentials("quay.io"));

        assertTrue(e.getMessage().contains("\"auth\" is not valid base64"), e.getMessage());
        assertTrue(e.getMessage().contains("exporter login quay.io"), e.getMessage());
        assertFalse(e.getMessage().contains("hunter2"), e.getMessage());
    }

    @Test
    void authWithoutColon_isReported() throws IOException {
        DockerConfigFile file = config("{\"auths\":{\"quay.io\":{\"auth\":\"" + b64("nocolon") + "\"}}}");

        CredentialsException e = assertThrows(CredentialsException.class, () -> file.storedCredentials("quay.io"));

        assertTrue(e.getMessage().contains("does not hold user:password"), e.getMessage());
    }

    @Test
    void wrongShapes_areReported() {
        assertThrows(CredentialsException.class, () -> config("[]"));
        assertThrows(CredentialsException.class, () -> config("{\"auths\":[]}"));
        assertThrows(CredentialsException.class, () -> config("{\"credHelpers\":\"x\"}"));
        assertThrows(CredentialsException.class, () -> config("{\"credsStore\":{}}"));
    }

    @Test
    void helperFor_credHelpersEntryBeatsCredsStore() throws IOException {
        DockerConfigFile file = config("{\"credsStore\":\"desktop\",\"credHelpers\":{\"quay.io\":\"ecr-login\","
                + "\"https://index.docker.io/v1/\":\"hub\"}}");

        assertEquals("ecr-login", file.helperFor("quay.io").orElseThrow().name());
        assertEquals("hub", file.helperFor("docker.io").orElseThrow().name());
        assertEquals("desktop", file.helperFor("ghcr.io").orElseThrow().name());
        assertTrue(file.helperFor("ghcr.io").orElseThrow().setting().contains("\"credsStore\" in "), "says which setting");
    }

    @Test
    void putPasswordAndWrite_keepsEverythingElse_mode0600() throws IOException {
        DockerConfigFile file = config("{\"auths\":{\"ghcr.io\":{\"auth\":\"" + b64("g:z") + "\",\"email\":\"e@x\"}},"
                + "\"psFormat\":\"table {{.ID}}\",\"proxies\":{\"default\":{\"httpProxy\":\"http://p:3128\"}},"
                + "\"unknownKey\":[1,2,{\"nested\":true}]}");

        file.putPassword("docker.io", "alice", "s3cret");
        file.write();

        JsonNode written = Json.mapper().readTree(dir.resolve("config.json").toFile());
        assertEquals(b64("alice:s3cret"), written.at("/auths/https:~1~1index.docker.io~1v1~1/auth").asText());
        assertEquals("e@x", written.at("/auths/ghcr.io/email").asText());
        assertEquals("table {{.ID}}", written.get("psFormat").asText());
        assertEquals("http://p:3128", written.at("/proxies/default/httpProxy").asText());
        assertEquals("[1,2,{\"nested\":true}]", written.get("unknownKey").toString());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("config.json"))));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(dir.resolve("config.json")), files.toList(), "no temporary file left");
        }
        assertEquals("alice", DockerConfigFile.read(dir.resolve("config.json")).storedCredentials("docker.io").orElseThrow().username());
    }

    @Test
    void write_createsMissingParentFolders() {
        Path nested = dir.resolve("a/b/config.json");
        DockerConfigFile file = DockerConfigFile.read(nested);

        file.putPassword("quay.io", "u", "p");
        file.write();

        assertEquals("u", DockerConfigFile.read(nested).storedCredentials("quay.io").orElseThrow().username());
    }

    @Test
    void write_throughSymlink_replacesTheTarget() throws IOException {
        Path real = dir.resolve("real.json");
        Files.writeString(real, "{}");
        Path link = Files.createSymbolicLink(dir.resolve("config.json"), real);
        DockerConfigFile file = DockerConfigFile.read(link);

        file.putPassword("quay.io", "u", "p");
        file.write();

        assertTrue(Files.isSymbolicLink(link), "link kept");
        assertTrue(Files.readString(real).contains("quay.io"));
    }

    @Test
    void removeCredentials_dropsEveryKeyOfTheRegistryOnly() throws IOException {
        DockerConfigFile file = config("{\"auths\":{\"https://index.docker.io/v1/\":{},\"docker.io\":{},"
                + "\"registry-1.docker.io\":{},\"quay.io\":{}}}");

        assertTrue(file.removeCredentials("docker.io"));
        assertFalse(file.removeCredentials("docker.io"));
        file.write();

        JsonNode written = Json.mapper().readTree(dir.resolve("config.json").toFile());
        assertEquals(List.of("quay.io"), iteratorToList(written.get("auths").fieldNames()));
    }

    private static List<String> iteratorToList(java.util.Iterator<String> it) {
        List<String> out = new java.util.ArrayList<>();
        it.forEachRemaining(out::add);
        return out;
    }
}
