package dev.exporter.archive;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Date;

/** A tar stream of root-owned entries with explicit times; PAX headers for long names and sizes over 8 GiB. */
final class TarWriter implements Closeable {

    private static final int BUFFER = 1024 * 1024;

    private final TarArchiveOutputStream tar;

    TarWriter(OutputStream out) {
        tar = new TarArchiveOutputStream(new BufferedOutputStream(out, BUFFER));
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
        tar.setAddPaxHeadersForNonAsciiNames(true);
    }

    void directory(String name, Instant time) throws IOException {
        TarArchiveEntry entry = new TarArchiveEntry(name.endsWith("/") ? name : name + "/");
        entry.setMode(040755);
        finish(entry, time);
        tar.closeArchiveEntry();
    }

    void file(String name, byte[] content, Instant time) throws IOException {
        TarArchiveEntry entry = new TarArchiveEntry(name);
        entry.setMode(0100644);
        entry.setSize(content.length);
        finish(entry, time);
        tar.write(content);
        tar.closeArchiveEntry();
    }

    void file(String name, Path content, Instant time) throws IOException {
        TarArchiveEntry entry = new TarArchiveEntry(name);
        entry.setMode(0100644);
        entry.setSize(Files.size(content));
        finish(entry, time);
        Files.copy(content, tar);
        tar.closeArchiveEntry();
    }

    void symlink(String name, String target, Instant time) throws IOException {
        TarArchiveEntry entry = new TarArchiveEntry(name, TarConstants.LF_SYMLINK);
        entry.setLinkName(target);
        entry.setMode(0120777);
        finish(entry, time);
        tar.closeArchiveEntry();
    }

    private void finish(TarArchiveEntry entry, Instant time) throws IOException {
        entry.setModTime(Date.from(time));
        entry.setUserId(0);
        entry.setGroupId(0);
        tar.putArchiveEntry(entry);
    }

    @Override
    public void close() throws IOException {
        tar.finish();
        tar.close();
    }
}
