package dev.exporter.mirrors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.exporter.reference.ImageReference;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** File lookup with a fake /etc and home: never the machine's own configuration. */
class LoadTest {

    @TempDir
    Path root;
    Path etcFile;
    Path etcDir;
    Path home;
    Path userFile;
    Path userDir;

    @BeforeEach
    void paths() {
        etcFile = root.resolve("etc/containers/registries.conf");
        etcDir = root.resolve("etc/containers/registries.conf.d");
        home = root.resolve("home/user");
        userFile = home.resolve(".config/containers/registries.conf");
        userDir = home.resolve(".config/containers/registries.conf.d");
    }

    static void write(Path file, String text) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, text);
    }

    static String location(String location) {
        return "[[registry]]\nprefix = \"docker.io\"\nlocation = \"" + location + "\"\n";
    }

    RegistriesConf load(Map<String, String> env) {
        return RegistriesConf.load(ConfFiles.locate(env, home, etcFile, etcDir));
    }

    static String hubLocation(RegistriesConf conf) {
        return conf.find(ImageReference.parse("alpine")).map(Registry::location).orElse("(none)");
    }

    @Test
    void locate_withoutUserFile_readsSystemFileAndBothDropInFolders() {
        assertEquals(new ConfFiles(etcFile, false, List.of(etcDir, userDir)), ConfFiles.locate(Map.of(), home, etcFile, etcDir));
    }

    @Test
    void locate_withUserFile_readsOnlyUserFileAndUserDropIns() throws IOException {
        write(userFile, "");
        assertEquals(new ConfFiles(userFile, false, List.of(userDir)), ConfFiles.locate(Map.of(), home, etcFile, etcDir));
    }

    @Test
    void locate_withEnvironment_usesThatFileAndBothDropInFolders() throws IOException {
        write(userFile, "");
        Path custom = root.resolve("custom.conf");
        assertEquals(new ConfFiles(custom, true, List.of(etcDir, userDir)),
                ConfFiles.locate(Map.of("CONTAINERS_REGISTRIES_CONF", custom.toString(),
                        "REGISTRIES_CONFIG_PATH", "/elsewhere"), home, etcFile, etcDir));
        assertEquals(new ConfFiles(custom, true, List.of(etcDir, userDir)),
                ConfFiles.locate(Map.of("REGISTRIES_CONFIG_PATH", custom.toString()), home, etcFile, etcDir));
    }

    @Test
    void locate_emptyEnvironmentVariable_isIgnored() {
        assertEquals(new ConfFiles(etcFile, false, List.of(etcDir, userDir)),
                ConfFiles.locate(Map.of("CONTAINERS_REGISTRIES_CONF", ""), home, etcFile, etcDir));
    }

    @Test
    void locate_withoutHome_usesSystemPathsOnly() {
        assertEquals(new ConfFiles(etcFile, false, List.of(etcDir)), ConfFiles.locate(Map.of(), null, etcFile, etcDir));
    }

    @Test
    void load_nothingThere_isEmpty() {
        assertEquals(RegistriesConf.empty(), load(Map.of()));
    }

    @Test
    void load_missingFileNamedByEnvironment_fails() {
        Path missing = root.resolve("missing.conf");
        RegistriesConfException e = assertThrows(RegistriesConfException.class,
                () -> load(Map.of("CONTAINERS_REGISTRIES_CONF", missing.toString())));
        assertEquals("read " + missing + ": no such file", e.getMessage());
    }

    @Test
    void load_dropIns_overrideInLexicalOrder_systemFolderFirst() throws IOException {
        write(etcFile, location("main.corp") + "[[registry]]\nlocation = \"quay.io\"\n");
        write(etcDir.resolve("20-b.conf"), location("b.corp"));
        write(etcDir.resolve("10-a.conf"), location("a.corp"));
        write(etcDir.resolve("30-c.conf.disabled"), location("disabled.corp"));
        Files.createDirectories(etcDir.resolve("sub.conf"));
        write(userDir.resolve("05-user.conf"), location("user.corp"));
        RegistriesConf conf = load(Map.of());
        assertEquals("user.corp", hubLocation(conf));
        assertEquals(List.of(etcFile, etcDir.resolve("10-a.conf"), etcDir.resolve("20-b.conf"),
                userDir.resolve("05-user.conf")), conf.files());
        // entries with other prefixes survive
        assertEquals(List.of("docker.io", "quay.io"), conf.registries().stream().map(Registry::prefix).toList());
        assertEquals(userDir.resolve("05-user.conf"), conf.find(ImageReference.parse("alpine")).orElseThrow().origin());
    }

    @Test
    void load_dropInReplacesWholeEntry_mirrorsIncluded() throws IOException {
        write(etcFile, location("docker.io") + "[[registry.mirror]]\nlocation = \"old-mirror.corp\"\n");
        write(etcDir.resolve("50-mirror.conf"), location("docker.io")
                + "[[registry.mirror]]\nlocation = \"new-mirror.corp\"\npull-from-mirror = \"digest-only\"\n");
        Registry hub = load(Map.of()).find(ImageReference.parse("alpine")).orElseThrow();
        assertEquals(List.of(new Mirror("new-mirror.corp", false, PullFromMirror.DIGEST_ONLY)), hub.mirrors());
    }

    @Test
    void load_userFile_hidesSystemFileAndSystemDropIns() throws IOException {
        write(etcFile, location("system.corp"));
        write(etcDir.resolve("10-a.conf"), location("system-dropin.corp"));
        write(userFile, location("user-file.corp"));
        assertEquals("user-file.corp", hubLocation(load(Map.of())));
    }

    @Test
    void load_damagedDropIn_failsNamingIt() throws IOException {
        write(etcFile, location("main.corp"));
        Path bad = etcDir.resolve("10-bad.conf");
        write(bad, "[[registry]]\nprefix = \"docker.io\"\nlocation = \"x.corp\"\ninsecure = 1\n");
        RegistriesConfException e = assertThrows(RegistriesConfException.class, () -> load(Map.of()));
        assertEquals("read " + bad + ": line 4: insecure must be true or false, not a number", e.getMessage());
    }

    @Test
    void load_v1DropIn_fails_butV1MainFileWorks() throws IOException {
        write(etcFile, "[registries.block]\nregistries = [\"docker.io\"]\n");
        assertEquals(true, load(Map.of()).find(ImageReference.parse("alpine")).orElseThrow().blocked());
        Path old = userDir.resolve("old.conf");
        write(old, "[registries.insecure]\nregistries = [\"quay.io\"]\n");
        RegistriesConfException e = assertThrows(RegistriesConfException.class, () -> load(Map.of()));
        assertEquals("read " + old + ": line 1: a drop-in must be in the v2 format ([[registry]]), this is v1"
                + " ([registries.*])", e.getMessage());
    }

    @Test
    void load_unreadableFile_failsNamingIt() throws IOException {
        Path folder = Files.createDirectories(root.resolve("a-folder.conf"));
        RegistriesConfException e = assertThrows(RegistriesConfException.class,
                () -> load(Map.of("CONTAINERS_REGISTRIES_CONF", folder.toString())));
        assertEquals("read " + folder + ": Is a directory", e.getMessage());
    }

    @Test
    void load_notUtf8_fails() throws IOException {
        Files.createDirectories(etcFile.getParent());
        Files.write(etcFile, new byte[] {'a', '=', '"', (byte) 0xff, '"'});
        assertEquals("read " + etcFile + ": not UTF-8 text",
                assertThrows(RegistriesConfException.class, () -> load(Map.of())).getMessage());
    }
}
