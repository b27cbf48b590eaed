package dev.exporter.export;

import dev.exporter.registry.ResolvedImage;

import java.util.List;

/** What an export wrote: the images in order, and the bytes of layers and configs they carry. */
public record ExportResult(List<ResolvedImage> images, long contentBytes) {
}
