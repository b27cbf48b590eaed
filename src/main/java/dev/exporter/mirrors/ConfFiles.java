package dev.exporter.mirrors;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Which registries.conf and which drop-in folders to read, chosen as containers/image does (with podman's and
 * skopeo's environment variables):
 * <ol>
 * <li>{@code $CONTAINERS_REGISTRIES_CONF} (else the older {@code $REGISTRIES_CONFIG_PATH}) if set and not empty:
 *     that file, which must exist, plus the system and the user drop-in folders;</li>
 * <li>else {@code $HOME/.config/containers/registries.conf} if it exists, plus only the user drop-in folder;</li>
 * <li>else {@code /etc/containers/registries.conf} (missing is fine), plus the system and the user drop-in folders.</li>
 * </ol>
 * The system drop-in folder is {@code /etc/containers/registries.conf.d}, the user one
 * {@code $HOME/.config/containers/registries.conf.d}. Their {@code *.conf} files are read in lexical order, the
 * system folder first.
 *
 * @param file       the main file
 * @param required   whether a missing main file is an error (only when named by the environment)
 * @param dropInDirs the drop-in folders, in reading order
 */
public record ConfFiles(Path file, boolean required, List<Path> dropInDirs) {

    public static final Path SYSTEM_FILE = Path.of("/etc/containers/registries.conf");
    public static final Path SYSTEM_DROP_INS = Path.of("/etc/containers/registries.conf.d");

    public ConfFiles {
        Objects.requireNonNull(file, "file");
        dropInDirs = List.copyOf(dropInDirs);
    }

    /** The files for this environment and home folder ({@code null} when there is none), with the real /etc. */
    public static ConfFiles locate(Map<String, String> env, Path home) {
        return locate(env, home, SYSTEM_FILE, SYSTEM_DROP_INS);
    }

    /** As {@link #locate(Map, Path)}, with the system file and drop-in folder elsewhere (tests, chroots). */
    public static ConfFiles locate(Map<String, String> env, Path home, Path systemFile, Path systemDropIns) {
        Path userFile = home == null ? null : home.resolve(".config/containers/registries.conf");
        Path userDropIns = home == null ? null : home.resolve(".config/containers/registries.conf.d");
        String override = env.get("CONTAINERS_REGISTRIES_CONF");
        if (override == null) {
            override = env.get("REGISTRIES_CONFIG_PATH");
        }
        List<Path> dirs = new ArrayList<>();
        if (override != null && !override.isEmpty()) {
            dirs.add(systemDropIns);
            addIfPresent(dirs, userDropIns);
            return new ConfFiles(Path.of(override), true, dirs);
        }
        if (userFile != null && Files.exists(userFile)) {
            dirs.add(userDropIns);
            return new ConfFiles(userFile, false, dirs);
        }
        dirs.add(systemDropIns);
        addIfPresent(dirs, userDropIns);
        return new ConfFiles(systemFile, false, dirs);
    }

    private static void addIfPresent(List<Path> dirs, Path dir) {
        if (dir != null) {
            dirs.add(dir);
        }
    }

    /** For messages: every place read, e.g. {@code /etc/containers/registries.conf, /etc/containers/registries.conf.d}. */
    @Override
    public String toString() {
        StringBuilder out = new StringBuilder(file.toString());
        dropInDirs.forEach(d -> out.append(", ").append(d));
        return out.toString();
    }
}
