package dev.exporter.registry.auth;

import dev.exporter.testing.FakeCredentialHelper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AuthFileCredentialsTest {

    @TempDir
    Path dir;

    private Path file(String name, String json) throws IOException {
        Path file = dir.resolve(name);
        Files.writeString(file, json);
        return file;
    }

    private AuthFileCredentials provider(Path... files) {
        return new AuthFileCredentials(List.of(files),
                name -> new CredentialHelper(name, dir.resolve("bin").toString(), Duration.ofSeconds(10)));
    }

    private static String auth(String user, String password) {
        return "{\"auth\":\"" + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8)) + "\"}";
    }

    @Test
    void firstFileWithCredentials_wins() throws IOException {
        Path first = file("first.json", "{\"auths\":{\"quay.io\":" + auth("one", "1") + "}}");
        Path second = file("second.json", "{\"auths\":{\"quay.io\":" + auth("two", "2") + ",\"ghcr.io\":" + auth("g", "3") + "}}");

        AuthFileCredentials credentials = provider(dir.resolve("missing.json"), first, second);

        assertEquals("one", credentials.credentialsFor("quay.io").orElseThrow().username());
        assertEquals("g", credentials.credentialsFor("ghcr.io").orElseThrow().username());
        assertEquals(Optional.empty(), credentials.credentialsFor("gcr.io"));
    }

    @Test
    void credsStoreHelper_beatsAuthsEntry_andCredHelpersBeatsCredsStore() throws IOException {
        FakeCredentialHelper.install(dir.resolve("bin"), "store").put("quay.io", "from-store", "s")
                .put("https://index.docker.io/v1/", "hub-from-store", "h");
        FakeCredentialHelper.install(dir.resolve("bin"), "special").put("quay.io", "from-special", "x");
        Path config = file("config.json", "{\"credsStore\":\"store\",\"credHelpers\":{\"quay.io\":\"special\"},"
                + "\"auths\":{\"quay.io\":" + auth("from-file", "f") + ",\"https://index.docker.io/v1/\":" + auth("hub-file", "f") + "}}");

        AuthFileCredentials credentials = provider(config);

        assertEquals("from-special", credentials.credentialsFor("quay.io").orElseThrow().username());
        assertEquals("hub-from-store", credentials.credentialsFor("docker.io").orElseThrow().username());
        assertEquals("docker-credential-store", credentials.credentialsFor("docker.io").orElseThrow().source());
    }

    @Test
    void helperWithoutCredentials_fallsBackToAuthsEntry() throws IOException {
        FakeCredentialHelper.install(dir.resolve("bin"), "store");
        Path config = file("config.json", "{\"credsStore\":\"store\",\"auths\":{\"quay.io\":" + auth("from-file", "f") + "}}");

        assertEquals("from-file", provider(config).credentialsFor("quay.io").orElseThrow().username());
    }

    @Test
    void helperIsRunOncePerRegistry() throws IOException {
        FakeCredentialHelper helper = FakeCredentialHelper.install(dir.resolve("bin"), "store").put("quay.io", "u", "p");
        AuthFileCredentials credentials = provider(file("config.json", "{\"credsStore\":\"store\"}"));

        credentials.credentialsFor("quay.io");
        credentials.credentialsFor("quay.io");
        credentials.credentialsFor("https://quay.io/");

        assertEquals(List.of("get"), helper.calls());
    }

    @Test
    void missingHelper_failsNamingHelperAndSetting() throws IOException {
        Path config = file("config.json", "{\"credsStore\":\"desktop.exe\"}");

        CredentialsException e = assertThrows(CredentialsException.class, () -> provider(config).credentialsFor("quay.io"));

        assertTrue(e.getMessage().contains("docker-credential-desktop.exe is not installed"), e.getMessage());
        assertTrue(e.getMessage().contains("(configured by \"credsStore\" in " + config + ")"), e.getMessage());
    }
}
