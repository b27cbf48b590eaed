package dev.exporter.layout;

import dev.exporter.image.Descriptor;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A referrer (signature, SBOM, attestation, fallback index) as an {@code index.json} entry of its own: named by its
 * tag like any pulled image ({@code io.containerd.image.name} and {@code org.opencontainers.image.ref.name}), or,
 * found only through the referrers API, by {@value #SUBJECT} and {@value #REPOSITORY}. {@code manifest.json} does
 * not list referrers: they are not images docker could load.
 *
 * @param root         the manifest or index, as stored in {@code blobs/}
 * @param artifactType its {@code artifactType}, or null
 * @param annotations  the entry's annotations, in the order written
 */
public record OciLayoutReferrer(Descriptor root, String artifactType, Map<String, String> annotations) {

    /** The digest of the manifest a referrer-API-only entry refers to. */
    public static final String SUBJECT = "dev.exporter.referrer.subject";
    /** The full repository name ({@code host/team/app}) it was found in, where push restores it. */
    public static final String REPOSITORY = "dev.exporter.referrer.repository";

    public OciLayoutReferrer {
        annotations = Collections.unmodifiableMap(new LinkedHashMap<>(annotations));
    }
}
