package dev.exporter.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.exporter.image.Descriptor;
import dev.exporter.image.ImageConfig;
import dev.exporter.image.ImageIndex;
import dev.exporter.image.ImageManifest;
import dev.exporter.image.Json;
import dev.exporter.image.ManifestDocument;
import dev.exporter.reference.ImageReference;
import dev.exporter.reference.Platform;
import dev.exporter.remote.RegistryImages;
import dev.exporter.text.Printable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * {@code exporter inspect IMAGE}: what a tag is - digest, media type, the platforms of an index, and for one
 * platform its config, created time, entrypoint/cmd and layers with sizes. The text and the {@code --json} form
 * are rendered from the same tree, so they always agree.
 */
@Command(name = "inspect", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Summarize an image: digest, media type, platforms of an index, and for the selected platform "
                + "the config digest, created time, os/arch, entrypoint/cmd and every layer with its size.",
        footer = {"", "JSON fields (--json): reference, digest, mediaType, platforms (index only, else null: a list of "
                + "platform, digest, mediaType, size), image (null when an index has no image for the host platform and "
                + "--platform was not given): platform, digest, mediaType, config {digest, mediaType, size}, created, os, "
                + "architecture, variant, entrypoint, cmd, layers (a list of digest, mediaType, size), layerCount, "
                + "totalLayerSize. Absent values are null; sizes are bytes as stored in the registry (compressed)."})
public final class InspectCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    ImageArgument image;

    @Mixin
    PlatformOption platform = new PlatformOption(PlatformOption.Default.HOST_IF_PRESENT);

    @Option(names = "--json", description = "Print the summary as JSON for scripts (fields below).")
    boolean json;

    @Mixin
    RegistryOptions registry;

    @Mixin
    PullSourceOptions sources;

    @Override
    public Integer call() throws JsonProcessingException {
        ImageReference reference = image.reference();
        Platform wanted = platform.platform();
        RegistryImages resolver = sources.images(registry, reference);
        ObjectNode summary = summarize(resolver, reference, wanted, platform.required());
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(summary));
        } else {
            printText(out, summary, wanted);
        }
        out.flush();
        return ExitCodes.OK;
    }

    /** @param required whether {@code wanted} was asked for, so that an index without it is an error */
    private static ObjectNode summarize(RegistryImages resolver, ImageReference reference, Platform wanted,
                                        boolean required) {
        ManifestDocument top = resolver.manifest(reference);
        ObjectNode summary = Json.object();
        summary.put("reference", reference.toString());
        summary.put("digest", top.digest().toString());
        summary.put("mediaType", top.mediaType());
        if (top instanceof ImageManifest manifest) {
            summary.putNull("platforms");
            summary.set("image", image(manifest, resolver.config(reference, manifest), null));
            return summary;
        }
        ImageIndex index = (ImageIndex) top;
        ArrayNode platforms = summary.putArray("platforms");
        for (Descriptor entry : index.platformManifests()) {
            platforms.addObject()
                    .put("platform", entry.platform().toString())
                    .put("digest", entry.digest().toString())
                    .put("mediaType", entry.mediaType())
                    .put("size", entry.size());
        }
        Optional<Descriptor> chosen = index.select(wanted);
        if (chosen.isEmpty()) {
            if (required) {
                RegistryImages.choose(reference, index, wanted); // throws, listing the platforms the index has
            }
            summary.putNull("image");
            return summary;
        }
        ImageManifest manifest = resolver.platformManifest(reference, chosen.get());
        summary.set("image", image(manifest, resolver.config(reference, manifest), chosen.get().platform()));
        return summary;
    }

    /**
     * @param indexPlatform the platform the index gives for this manifest, shown as written there; null for a
     *                      single-platform image, whose config's os/architecture/variant are shown as written
     */
    private static ObjectNode image(ImageManifest manifest, ImageConfig config, Platform indexPlatform) {
        String os = Json.text(config.json(), "os");
        String architecture = Json.text(config.json(), "architecture");
        String variant = Json.text(config.json(), "variant");
        String platform = indexPlatform != null ? indexPlatform.toString()
                : os == null || architecture == null ? null : os + "/" + architecture + (variant == null ? "" : "/" + variant);
        ObjectNode image = Json.object();
        image.put("platform", platform);
        image.put("digest", manifest.digest().toString());
        image.put("mediaType", manifest.mediaType());
        image.set("config", descriptor(manifest.config()));
        image.put("created", config.created());
        image.put("os", os);
        image.put("architecture", architecture);
        image.put("variant", variant);
        JsonNode runConfig = config.json().path("config");
        image.set("entrypoint", stringsOrNull(runConfig.get("Entrypoint")));
        image.set("cmd", stringsOrNull(runConfig.get("Cmd")));
        ArrayNode layers = image.putArray("layers");
        manifest.layers().forEach(layer -> layers.add(descriptor(layer)));
        image.put("layerCount", manifest.layers().size());
        image.put("totalLayerSize", manifest.layers().stream().mapToLong(Descriptor::size).sum());
        return image;
    }

    private static ObjectNode descriptor(Descriptor descriptor) {
        return Json.object()
                .put("digest", descriptor.digest().toString())
                .put("mediaType", descriptor.mediaType())
                .put("size", descriptor.size());
    }

    /** An array of strings as given, or JSON null when the config has none (or something else). */
    private static JsonNode stringsOrNull(JsonNode value) {
        if (value == null || !value.isArray()) {
            return NullNode.getInstance();
        }
        ArrayNode strings = Json.array();
        value.forEach(v -> strings.add(v.asText()));
        return strings;
    }

    /** Every value shown came from the registry, so each passes through {@link Printable} on its way out. */
    private static void printText(PrintWriter out, ObjectNode summary, Platform wanted) {
        row(out, "Reference", summary.get("reference").asText());
        row(out, "Digest", summary.get("digest").asText());
        row(out, "Media type", summary.get("mediaType").asText());
        JsonNode platforms = summary.get("platforms");
        if (platforms.isArray()) {
            out.println(platforms.isEmpty() ? "Platforms:     none" : "Platforms:");
            for (JsonNode p : platforms) {
                out.println(Printable.line(String.format(Locale.ROOT, "  %-16s %s  %s", p.get("platform").asText(),
                        p.get("digest").asText(), Units.size(p.get("size").asLong()))));
            }
        }
        JsonNode image = summary.get("image");
        if (image.isNull()) {
            out.println();
            out.println("No image for the host platform " + wanted + "; choose one of the above with --platform.");
            return;
        }
        out.println();
        row(out, "Platform", text(image.get("platform")));
        if (platforms.isArray()) {
            row(out, "Manifest", image.get("digest").asText());
            row(out, "Manifest type", image.get("mediaType").asText());
        }
        row(out, "Config", image.get("config").get("digest").asText());
        row(out, "Created", text(image.get("created")));
        row(out, "Entrypoint", text(image.get("entrypoint")));
        row(out, "Cmd", text(image.get("cmd")));
        out.printf("Layers (%d):%n", image.get("layerCount").asInt());
        for (JsonNode layer : image.get("layers")) {
            out.println(Printable.line(String.format(Locale.ROOT, "  %s  %-10s  %s", layer.get("digest").asText(),
                    Units.size(layer.get("size").asLong()), layer.get("mediaType").asText())));
        }
        long total = image.get("totalLayerSize").asLong();
        row(out, "Total", Units.size(total) + " (" + total + " bytes)");
    }

    private static void row(PrintWriter out, String label, String value) {
        out.println(Printable.line(String.format(Locale.ROOT, "%-14s %s", label + ":", value)));
    }

    /**
     * Text as is, arrays as JSON (so {@code ["sh", "-c", "a b"]} stays unambiguous), null as "-". Arrays keep
     * control characters escaped as JSON escapes them; text is made printable by the row.
     */
    private static String text(JsonNode value) {
        if (value == null || value.isNull()) {
            return "-";
        }
        return value.isTextual() ? value.asText() : value.toString();
    }
}
