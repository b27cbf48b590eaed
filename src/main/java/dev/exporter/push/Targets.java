package dev.exporter.push;

import dev.exporter.image.SourceImage;
import dev.exporter.reference.ImageReference;
import dev.exporter.reference.Registry;
import dev.exporter.text.Printable;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Where each image of a source goes, by the one rule {@code push} documents:
 * <ul>
 *   <li>{@code TARGET}, a full reference, names the destination of a source's single image;
 *   <li>{@code --to REGISTRY[/PREFIX]} re-homes every image, keeping its repository path and tag
 *       ({@code docker.io/library/alpine:3.14} to {@code registry.corp:5000/mirror} is
 *       {@code registry.corp:5000/mirror/library/alpine:3.14});
 *   <li>without either, every image goes back to the names it was saved under.
 * </ul>
 * {@code --image} picks images by one of their names first. Every mistake is a {@link Usage} naming the images.
 */
public final class Targets {

    /** A push the command line got wrong: exit 2. */
    public static final class Usage extends RuntimeException {
        public Usage(String message) {
            super(message);
        }
    }

    private Targets() {
    }

    /**
     * @param target  the TARGET argument, or null
     * @param to      the --to value, or null
     * @param picked  --image names; empty for all images
     * @param what    the source, for messages
     */
    public static List<PushJob> jobs(List<SourceImage> images, String target, String to, List<String> picked, String what) {
        if (target != null && to != null) {
            throw new Usage("give TARGET or --to, not both");
        }
        List<SourceImage> attachments = images.stream().filter(Targets::isAttachment).toList();
        List<PushJob> jobs = mainJobs(images.stream().filter(i -> !isAttachment(i)).toList(), target, to, picked, what);
        return withAttachments(jobs, attachments);
    }

    /**
     * Signatures, attestations and SBOMs follow the image they belong to, pushed after it into the same
     * repositories: those stored under cosign's tag schema ({@code sha256-HEX.sig}, {@code .att}, {@code .sbom}) or
     * as the referrers fallback tag ({@code sha256-HEX}) keep their tag; those found through the referrers API (no
     * name, a {@code subject}) go by digest. Their own attachments (a signature of an SBOM) follow them in turn.
     * Those whose image is not pushed stay behind.
     */
    private static List<PushJob> withAttachments(List<PushJob> jobs, List<SourceImage> attachments) {
        List<PushJob> all = new ArrayList<>(jobs);
        List<SourceImage> waiting = new ArrayList<>(attachments);
        for (boolean progress = true; progress && !waiting.isEmpty(); ) {
            progress = false;
            for (java.util.Iterator<SourceImage> it = waiting.iterator(); it.hasNext(); ) {
                SourceImage attachment = it.next();
                Map<String, ImageReference> targets = new LinkedHashMap<>();
                for (PushJob job : List.copyOf(all)) {
                    if (!belongsTo(attachment, job.image())) {
                        continue;
                    }
                    for (ImageReference where : job.targets()) {
                        for (String tag : attachmentTags(attachment)) {
                            ImageReference moved = new ImageReference(where.registry(), where.repository(), tag, null);
                            targets.putIfAbsent(moved.toString(), moved);
                        }
                        if (attachmentTags(attachment).isEmpty()) {
                            ImageReference moved = new ImageReference(where.registry(), where.repository(), null,
                                    attachment.root().digest());
                            targets.putIfAbsent(moved.toString(), moved);
                        }
                    }
                }
                if (!targets.isEmpty()) {
                    all.add(new PushJob(attachment, List.copyOf(targets.values())));
                    it.remove();
                    progress = true;
                }
            }
        }
        return all;
    }

    /** Whether {@code attachment} refers to {@code image}: by its tag's digest, or by its manifest's subject. */
    private static boolean belongsTo(SourceImage attachment, SourceImage image) {
        java.util.Set<String> subjects = new java.util.HashSet<>();
        attachmentTags(attachment).forEach(tag -> subjects.add("sha256:"
                + tag.substring("sha256-".length()).replaceFirst("\\..*$", "")));
        dev.exporter.reference.Digest subject = FallbackTag.subject(attachment.root());
        if (subject != null) {
            subjects.add(subject.toString());
        }
        return subjects.contains(image.root().digest().toString())
                || image.images().stream().anyMatch(i -> subjects.contains(i.manifest().digest().toString()))
                || image.root() instanceof dev.exporter.image.ImageIndex index
                && index.manifests().stream().anyMatch(d -> subjects.contains(d.digest().toString()));
    }

    private static List<String> attachmentTags(SourceImage image) {
        return names(image).stream().map(ImageReference::tag)
                .filter(tag -> tag != null && ATTACHMENT_TAG.matcher(tag).matches()).toList();
    }

    private static final java.util.regex.Pattern ATTACHMENT_TAG =
            java.util.regex.Pattern.compile("sha256-[0-9a-f]{64}(\\.(sig|att|sbom))?");

    /**
     * Whether the image belongs to another: every name is a signature, attestation, SBOM or referrers-fallback
     * tag, or it has no name and a {@code subject} (a referrer found through the referrers API).
     */
    static boolean isAttachment(SourceImage image) {
        List<ImageReference> names = names(image);
        if (names.isEmpty()) {
            return image.names().isEmpty() && FallbackTag.subject(image.root()) != null;
        }
        return names.stream().allMatch(n -> n.tag() != null && ATTACHMENT_TAG.matcher(n.tag()).matches());
    }

    private static List<PushJob> mainJobs(List<SourceImage> images, String target, String to, List<String> picked,
                                          String what) {
        List<SourceImage> chosen = pick(images, picked, what);
        if (chosen.isEmpty()) {
            throw new Usage(what + " holds no image");
        }
        if (target != null) {
            if (chosen.size() > 1) {
                throw new Usage(what + " holds " + chosen.size() + " images (" + list(chosen)
                        + "): pick one with --image, or use --to REGISTRY[/PREFIX] to push them all");
            }
            ImageReference reference = parse(target, "TARGET");
            if (reference.digest() != null) {
                throw new Usage("TARGET '" + target + "' names a digest; give a tag (the digest is the content's own)");
            }
            return List.of(new PushJob(chosen.get(0), List.of(reference)));
        }
        Destination destination = to == null ? null : Destination.parse(to);
        List<PushJob> jobs = new ArrayList<>();
        for (SourceImage image : chosen) {
            List<ImageReference> names = names(image);
            if (names.isEmpty()) {
                throw new Usage(what + ": image " + image.root().digest() + " has no name to push it under: give TARGET");
            }
            Map<String, ImageReference> targets = new LinkedHashMap<>();
            for (ImageReference name : names) {
                ImageReference where = destination == null ? name : destination.rehome(name);
                targets.putIfAbsent(where.toString(), where);
            }
            jobs.add(new PushJob(image, List.copyOf(targets.values())));
        }
        return jobs;
    }

    private static List<SourceImage> pick(List<SourceImage> images, List<String> picked, String what) {
        if (picked.isEmpty()) {
            return images;
        }
        List<SourceImage> chosen = new ArrayList<>();
        for (String wanted : picked) {
            ImageReference reference = parse(wanted, "--image");
            List<SourceImage> matching = images.stream()
                    .filter(image -> names(image).stream().anyMatch(name -> sameName(name, reference, image))).toList();
            if (matching.isEmpty()) {
                throw new Usage(what + " has no image named '" + Printable.fragment(wanted, 200) + "' (it holds "
                        + list(images) + ")");
            }
            matching.stream().filter(image -> !chosen.contains(image)).forEach(chosen::add);
        }
        return chosen;
    }

    /** Whether {@code wanted} names {@code image} by its name {@code name}; a digest may be the image's own. */
    private static boolean sameName(ImageReference name, ImageReference wanted, SourceImage image) {
        return name.fullName().equals(wanted.fullName())
                && (wanted.tag() == null || wanted.tag().equals(name.tag()))
                && (wanted.digest() == null || wanted.digest().equals(name.digest())
                || wanted.digest().equals(image.root().digest()));
    }

    /** The image's names that are references; a bare tag (as skopeo's {@code oci:DIR:TAG} writes) names no place. */
    static List<ImageReference> names(SourceImage image) {
        List<ImageReference> references = new ArrayList<>();
        for (String name : image.names()) {
            ImageReference reference = reference(name);
            if (reference != null) {
                references.add(reference);
            }
        }
        return references;
    }

    /**
     * The reference a saved name is, or null: for a bare tag, and for a name that looks like a reference but is
     * none (left out, see {@link #unusableNames}; an image left without a name needs TARGET).
     */
    private static ImageReference reference(String name) {
        if (!looksLikeAReference(name)) {
            return null;
        }
        try {
            return ImageReference.parse(name);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /**
     * What to warn about when the jobs go to the images' own names: each name of a job's image that looks like a
     * reference but is none, which is not pushed.
     */
    public static List<String> unusableNames(List<PushJob> jobs, String what) {
        List<String> warnings = new ArrayList<>();
        for (PushJob job : jobs) {
            for (String name : job.image().names()) {
                if (looksLikeAReference(name) && reference(name) == null) {
                    warnings.add(Printable.line(what + ": image " + job.image().root().digest() + " is also named '"
                            + Printable.fragment(name, 200) + "', which is not a valid reference: not pushed there"));
                }
            }
        }
        return warnings;
    }

    private static boolean looksLikeAReference(String name) {
        return name.contains("/") || name.contains(":") || name.contains("@");
    }

    private static String list(List<SourceImage> images) {
        return images.stream().map(i -> i.names().isEmpty() ? i.root().digest().toString()
                        : Printable.fragment(String.join(", ", i.names()), 200))
                .limit(10).collect(Collectors.joining("; ")) + (images.size() > 10 ? "; ..." : "");
    }

    private static ImageReference parse(String text, String option) {
        try {
            return ImageReference.parse(text);
        } catch (IllegalArgumentException e) {
            throw new Usage(option + ": " + e.getMessage());
        }
    }

    /** {@code --to}: a registry and a path prefix (possibly empty). */
    private record Destination(Registry registry, String prefix) {

        static Destination parse(String to) {
            String trimmed = to.endsWith("/") ? to.substring(0, to.length() - 1) : to;
            int slash = trimmed.indexOf('/');
            String host = slash < 0 ? trimmed : trimmed.substring(0, slash);
            String prefix = slash < 0 ? "" : trimmed.substring(slash + 1);
            try {
                Registry registry = Registry.parse(host);
                if (!prefix.isEmpty()) {
                    ImageReference.parse(registry.name() + "/" + prefix + ":x"); // checks the path's grammar
                }
                return new Destination(registry, prefix);
            } catch (IllegalArgumentException e) {
                throw new Usage("--to '" + Printable.fragment(to, 200) + "': expected REGISTRY[/PREFIX], e.g. "
                        + "registry.corp:5000/mirror (" + e.getMessage() + ")");
            }
        }

        ImageReference rehome(ImageReference name) {
            String path = prefix.isEmpty() ? name.repository() : prefix + "/" + name.repository();
            String text = registry.name() + "/" + path + (name.tag() != null ? ":" + name.tag() : "")
                    + (name.digest() != null ? "@" + name.digest() : "");
            try {
                return ImageReference.parse(text);
            } catch (IllegalArgumentException e) {
                throw new Usage("--to: " + e.getMessage());
            }
        }
    }
}
