package dev.exporter.cli;

import dev.exporter.reference.ImageReference;
import dev.exporter.text.Printable;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * An image list as {@code -f, --images-file} reads it ({@code images.txt}, {@code kubeadm config images list}, a
 * digest file written by {@code --digestfile}): one reference per line, surrounding spaces trimmed, blank lines and
 * {@code #} comments skipped. A line that is not a reference is an error naming the file and the line.
 */
final class ImagesFile {

    /** A list of images is a few hundred lines; anything this large is not one, and is not read into memory. */
    static final int MAX_BYTES = 4 * 1024 * 1024;

    /** A bad line or an unreadable list; the message names the file and the line. */
    static final class BadList extends Exception {
        BadList(String message) {
            super(message);
        }
    }

    private ImagesFile() {
    }

    /**
     * The references listed in {@code in}, in order.
     *
     * @param name the file as the user named it ({@code -} for standard input), for messages
     */
    static List<ImageReference> read(InputStream in, String name) throws BadList {
        String where = "-".equals(name) ? "standard input" : name;
        byte[] bytes;
        try {
            bytes = in.readNBytes(MAX_BYTES + 1);
        } catch (IOException e) {
            throw new BadList("--images-file " + where + ": cannot read: " + Cli.message(e));
        }
        if (bytes.length > MAX_BYTES) {
            throw new BadList("--images-file " + where + ": larger than " + MAX_BYTES / (1024 * 1024)
                    + " MiB; is it a list of images?");
        }
        List<ImageReference> references = new ArrayList<>();
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(
                new java.io.ByteArrayInputStream(bytes), StandardCharsets.UTF_8))) {
            int number = 0;
            for (String line; (line = lines.readLine()) != null; ) {
                number++;
                String text = line.strip();
                if (text.isEmpty() || text.startsWith("#")) {
                    continue;
                }
                try {
                    references.add(ImageReference.parse(text));
                } catch (IllegalArgumentException e) {
                    throw new BadList(where + " line " + number + ": " + Printable.line(e.getMessage()));
                }
            }
        } catch (IOException e) {
            throw new BadList("--images-file " + where + ": cannot read: " + Cli.message(e));
        }
        return references;
    }
}
