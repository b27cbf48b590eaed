package dev.exporter.export;

import dev.exporter.image.ResolvedImage;

import java.util.List;

/** What an export wrote: the images in order, and the bytes of layers and configs they carry (each blob once). */
public record ExportResult(List<ResolvedImage> images, long contentBytes) {
}
