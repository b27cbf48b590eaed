package dev.exporter.archives;

import dev.exporter.docker.DockerArchiveReader;
import dev.exporter.image.ImageSource;
import dev.exporter.layout.OciLayoutReader;
import dev.exporter.tar.TarReader;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Opens whatever image file a user names, by what it holds rather than what it is called: an OCI layout folder,
 * an OCI layout tar, or a docker-save archive, each plain, gzip or zstd compressed.
 *
 * <p>A tar holding {@code index.json} and {@code oci-layout} is read as an OCI layout even when it also has a
 * {@code manifest.json} (docker 25+ and our {@code --format oci} write both): the layout keeps the registry's
 * manifests, and so every digest, where docker's {@code manifest.json} only lets us make manifests up. Any other
 * tar with a {@code manifest.json} is a docker-save archive.
 */
public final class ArchiveSources {

    private ArchiveSources() {
    }

    /**
     * The source for {@code path}; a compressed tar is decompressed once into a temporary file in
     * {@code tempDir}, deleted when the source is closed.
     */
    public static ImageSource open(Path path, Path tempDir) throws IOException {
        if (Files.isDirectory(path)) {
            if (!Files.isRegularFile(path.resolve("oci-layout"))) {
                throw new IOException("open " + path + ": a folder without an oci-layout file is not an OCI layout");
            }
            return OciLayoutReader.open(path);
        }
        if (!Files.exists(path)) {
            throw new NoSuchFileException(path.toString(), null, "open image archive: no such file");
        }
        TarReader tar = TarReader.open(path, tempDir);
        try {
            if (tar.find("index.json").isPresent() && tar.find("oci-layout").isPresent()) {
                return OciLayoutReader.of(tar);
            }
            if (tar.find("manifest.json").isPresent()) {
                return DockerArchiveReader.of(tar);
            }
        } catch (IOException | RuntimeException e) {
            tar.close();
            throw e;
        }
        tar.close();
        throw new IOException("open " + path + ": neither an OCI layout (index.json and oci-layout) nor a docker "
                + "save archive (manifest.json)");
    }
}
