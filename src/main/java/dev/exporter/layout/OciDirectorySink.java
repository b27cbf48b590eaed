package dev.exporter.layout;

import dev.exporter.image.Descriptor;
import dev.exporter.image.ExportPlan;
import dev.exporter.image.ResolvedImage;
import dev.exporter.transfer.BlobStore;
import dev.exporter.transfer.Caveat;
import dev.exporter.transfer.Downloads;
import dev.exporter.transfer.ImageSink;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.List;
import java.util.Set;

/**
 * An OCI layout folder (created if needed) that exports add to. Blobs already there are verified and not
 * downloaded again; {@code index.json} and {@code manifest.json} are replaced atomically at the end.
 */
public final class OciDirectorySink implements ImageSink {

    private final Path dir;

    public OciDirectorySink(Path dir) {
        this.dir = dir;
    }

    /** The blob folder of the layout in {@code dir}: what an export into it need not download again. */
    public static Path blobs(Path dir) {
        return dir.resolve("blobs");
    }

    @Override
    public List<Descriptor> fetches(ResolvedImage image) {
        return image.blobs();
    }

    @Override
    public Set<Caveat> caveats(ResolvedImage image) {
        return LayoutContent.caveats(image);
    }

    @Override
    public void write(ExportPlan plan, Downloads downloads) throws IOException {
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new IOException("write OCI layout " + dir + ": exists and is not a folder");
        }
        Files.createDirectories(dir);
        for (Path blob : LayoutContent.fetchAll(plan, downloads, new BlobStore(blobs(dir))).values()) {
            readableByAll(blob);
        }
        OciLayoutWriter.updateDirectory(dir, LayoutContent.names(plan), LayoutContent.referrers(plan));
    }

    /**
     * Manifests are stored through temporary files, which Java creates owner-only; a layout is content for other
     * users' tools (like index.json, written rw-r--r--), so its blobs get read access for all. Blobs that already
     * have it are left alone, so a shared layout whose files belong to someone else is not touched.
     */
    private static void readableByAll(Path blob) throws IOException {
        try {
            Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(blob);
            if (permissions.addAll(Set.of(PosixFilePermission.GROUP_READ, PosixFilePermission.OTHERS_READ))) {
                Files.setPosixFilePermissions(blob, permissions);
            }
        } catch (UnsupportedOperationException notPosix) {
            // other file systems keep their defaults
        }
    }
}
