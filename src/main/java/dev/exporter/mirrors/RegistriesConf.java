package dev.exporter.mirrors;

import dev.exporter.reference.ImageReference;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The {@code [[registry]]} entries of containers-registries.conf(5), merged from the main file and its drop-ins.
 * Short-name resolution ({@code unqualified-search-registries}, {@code [aliases]}, {@code short-name-mode}) and
 * {@code credential-helpers} are read past: references keep docker's normalization.
 *
 * @param registries one entry per prefix, sorted by prefix
 * @param files      the files that were read, in order
 */
public record RegistriesConf(List<Registry> registries, List<Path> files) {

    public RegistriesConf {
        registries = List.copyOf(registries);
        files = List.copyOf(files);
    }

    /** No configuration: every name is pulled from where it says, without mirrors. */
    public static RegistriesConf empty() {
        return new RegistriesConf(List.of(), List.of());
    }

    /** Reads the files for this environment and home folder (see {@link ConfFiles}), with the real /etc. */
    public static RegistriesConf load(Map<String, String> env, Path home) {
        return load(ConfFiles.locate(env, home));
    }

    /**
     * Reads the main file (v1 or v2) and then every drop-in (v2 only), each drop-in's entries replacing those with
     * the same prefix.
     */
    public static RegistriesConf load(ConfFiles where) {
        RegistriesConf conf = empty();
        if (where.required() || Files.exists(where.file())) {
            conf = read(where.file(), false);
        }
        for (Path dir : where.dropInDirs()) {
            for (Path dropIn : dropIns(dir)) {
                conf = conf.overriddenBy(read(dropIn, true));
            }
        }
        return conf;
    }

    /** Parses one file as a main registries.conf (v1 is converted: its insecure and block lists are honoured). */
    public static RegistriesConf parse(Path file) {
        return read(file, false);
    }

    /** Parses TOML text as if read from {@code file}; {@code dropIn} refuses the v1 format, as for drop-ins. */
    public static RegistriesConf parse(Path file, String text, boolean dropIn) {
        return new RegistriesConf(ConfParser.parse(file, text, dropIn), List.of(file));
    }

    private static RegistriesConf read(Path file, boolean dropIn) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(Files.readAllBytes(file)))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new RegistriesConfException("read " + file + ": not UTF-8 text", e);
        } catch (IOException e) {
            throw new RegistriesConfException("read " + file + ": " + describe(e), e);
        }
        return parse(file, text, dropIn);
    }

    /** The {@code *.conf} files of a drop-in folder in lexical order; a missing folder has none. */
    private static List<Path> dropIns(Path dir) {
        List<Path> found = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return found;
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, "*.conf")) {
            for (Path entry : entries) {
                if (!Files.isDirectory(entry)) {
                    found.add(entry);
                }
            }
        } catch (IOException e) {
            throw new RegistriesConfException("read " + dir + ": " + describe(e), e);
        }
        found.sort((a, b) -> a.getFileName().toString().compareTo(b.getFileName().toString()));
        return found;
    }

    private static String describe(IOException e) {
        if (e instanceof NoSuchFileException) {
            return "no such file";
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }

    /** This configuration with a drop-in's entries replacing those of the same prefix. */
    public RegistriesConf overriddenBy(RegistriesConf dropIn) {
        Map<String, Registry> byPrefix = new TreeMap<>();
        registries.forEach(r -> byPrefix.put(r.prefix(), r));
        dropIn.registries.forEach(r -> byPrefix.put(r.prefix(), r));
        List<Path> read = new ArrayList<>(files);
        read.addAll(dropIn.files);
        return new RegistriesConf(List.copyOf(byPrefix.values()), read);
    }

    /**
     * Where to push {@code reference}: its location after the matching entry's rewrite, never a mirror (mirrors are
     * for pulls). The same as {@code new Sources(conf, List.of()).push(reference)}.
     *
     * @throws BlockedException        when the name, or the location it is rewritten to, is blocked
     * @throws RegistriesConfException when the rewrite does not give a valid reference
     */
    public Source pushTarget(ImageReference reference) {
        return new Sources(this, List.of()).push(reference);
    }

    /**
     * The entry for a reference's name ({@code registry/repository}, without tag or digest, as containers/image
     * matches): the one with the longest matching prefix, counting a wildcard prefix by its own length.
     */
    public Optional<Registry> find(ImageReference reference) {
        Registry best = null;
        for (Registry r : registries) {
            if (r.matches(reference) && (best == null || r.prefix().length() > best.prefix().length())) {
                best = r;
            }
        }
        return Optional.ofNullable(best);
    }
}
