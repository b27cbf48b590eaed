package dev.exporter.registry.auth;

import dev.exporter.testing.FakeCredentialHelper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CredentialHelperTest {

    @TempDir
    Path dir;

    private CredentialHelper helper(String name) {
        return new CredentialHelper(name, "/nonexistent:" + dir.resolve("bin"), Duration.ofSeconds(10));
    }

    @Test
    void get_passesServerUrlOnStdin_andReadsUsernameAndSecret() {
        FakeCredentialHelper.install(dir.resolve("bin"), "fake").put("registry.example.com:5000", "alice", "pw");

        Optional<Credentials> found = helper("fake").get("registry.example.com:5000");

        assertEquals(Optional.of(Credentials.password("alice", "pw", "docker-credential-fake")), found);
    }

    @Test
    void get_tokenUsername_meansIdentityToken() {
        FakeCredentialHelper.install(dir.resolve("bin"), "fake").put("https://index.docker.io/v1/", "<token>", "refresh-me");

        Credentials found = helper("fake").get("https://index.docker.io/v1/").orElseThrow();

        assertEquals(Credentials.Type.IDENTITY_TOKEN, found.type());
        assertEquals("refresh-me", found.secret());
    }

    @Test
    void get_credentialsNotFound_isEmpty() {
        FakeCredentialHelper.install(dir.resolve("bin"), "fake");

        assertEquals(Optional.empty(), helper("fake").get("other.example.com"));
    }

    @Test
    void get_missingHelper_failsNamingTheProgram() {
        CredentialsException e = assertThrows(CredentialsException.class, () -> helper("absent").get("quay.io"));

        assertTrue(e.getMessage().contains("docker-credential-absent is not installed"), e.getMessage());
    }

    @Test
    void get_failingHelper_failsWithItsExitCodeAndMessage() {
        FakeCredentialHelper.script(dir.resolve("bin"), "broken", "cat >/dev/null; echo 'keychain is locked'; exit 3");

        CredentialsException e = assertThrows(CredentialsException.class, () -> helper("broken").get("quay.io"));

        assertEquals("get credentials for quay.io from docker-credential-broken: docker-credential-broken failed"
                + " (exit code 3): keychain is locked", e.getMessage());
    }

    @Test
    void get_garbageOutput_failsWithoutQuotingIt() {
        FakeCredentialHelper.script(dir.resolve("bin"), "garbage", "cat >/dev/null; echo 'not json hunter2'");

        CredentialsException e = assertThrows(CredentialsException.class, () -> helper("garbage").get("quay.io"));

        assertTrue(e.getMessage().contains("not JSON"), e.getMessage());
        assertFalse(e.getMessage().contains("hunter2"), e.getMessage());
    }

    @Test
    void get_hangingHelper_isStoppedAfterTheTimeout() {
        FakeCredentialHelper.script(dir.resolve("bin"), "slow", "sleep 30");
        CredentialHelper slow = new CredentialHelper("slow", dir.resolve("bin").toString(), Duration.ofMillis(500));
        long start = System.nanoTime();

        CredentialsException e = assertThrows(CredentialsException.class, () -> slow.get("quay.io"));

        assertTrue(e.getMessage().contains("docker-credential-slow did not answer within"), e.getMessage());
        assertTrue(System.nanoTime() - start < Duration.ofSeconds(10).toNanos(), "did not wait for the helper");
    }

    @Test
    void storeAndErase_sendDockersInput() {
        FakeCredentialHelper fake = FakeCredentialHelper.install(dir.resolve("bin"), "fake");

        helper("fake").store("quay.io", "alice", "pw");
        helper("fake").erase("quay.io");

        assertEquals("{\"ServerURL\":\"quay.io\",\"Username\":\"alice\",\"Secret\":\"pw\"}", fake.stored());
        assertEquals("quay.io", fake.erased());
        assertEquals(List.of("store", "erase"), fake.calls());
    }

    @Test
    void name_withSlash_isRejected() {
        assertThrows(CredentialsException.class, () -> helper("../evil"));
    }
}
