package dev.exporter.mirrors;

import dev.exporter.reference.ImageReference;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Where to pull an image from and where to push it to, from registries.conf and the {@code --registry-mirror}s.
 *
 * <p>Pull: the Docker Hub mirrors (only for {@code docker.io} names), then the mirrors of the entry with the longest
 * matching prefix (kept when their {@code pull-from-mirror} or the entry's {@code mirror-by-digest-only} allows the
 * reference), then the entry's location. Push: only the location; mirrors are never written to.
 * A blocked name fails; a mirror whose own name is blocked is skipped.
 */
public final class Sources {

    private final RegistriesConf conf;
    private final List<HubMirror> hubMirrors;

    public Sources(RegistriesConf conf, List<HubMirror> hubMirrors) {
        this.conf = conf;
        this.hubMirrors = List.copyOf(hubMirrors);
    }

    /**
     * The places to try for a pull, in order; the last one is the primary location.
     *
     * @throws BlockedException        when the name, or the primary location it is rewritten to, is blocked
     * @throws RegistriesConfException when a rewrite does not give a valid reference
     */
    public List<Source> pull(ImageReference reference) {
        Optional<Registry> entry = conf.find(reference);
        refuseIfBlocked(reference, entry);
        List<Source> sources = new ArrayList<>();
        if (reference.registry().equals(ImageReference.DOCKER_HUB)) {
            for (HubMirror m : hubMirrors) {
                addUnlessBlocked(sources, new Source(
                        new ImageReference(m.registry(), reference.repository(), reference.tag(), reference.digest()),
                        m.insecure(), true));
            }
        }
        if (entry.isPresent()) {
            Registry r = entry.get();
            boolean digested = reference.digest() != null;
            if (!r.mirrorByDigestOnly() || digested) {
                for (Mirror m : r.mirrors()) {
                    if (m.pullFromMirror().serves(digested)) {
                        addUnlessBlocked(sources, new Source(r.rewrite(reference, m.location()), m.insecure(), true));
                    }
                }
            }
        }
        sources.add(primary(reference, entry));
        return List.copyOf(sources);
    }

    /**
     * The one place to push to: the primary location, rewritten by the matching entry.
     *
     * @throws BlockedException        when the name, or the location it is rewritten to, is blocked
     * @throws RegistriesConfException when the rewrite does not give a valid reference
     */
    public Source push(ImageReference reference) {
        Optional<Registry> entry = conf.find(reference);
        refuseIfBlocked(reference, entry);
        return primary(reference, entry);
    }

    private Source primary(ImageReference reference, Optional<Registry> entry) {
        if (entry.isEmpty()) {
            return new Source(reference, false, false);
        }
        Registry r = entry.get();
        ImageReference physical = r.rewrite(reference, r.location());
        if (!physical.equals(reference)) {
            refuseIfBlocked(physical, conf.find(physical));
        }
        return new Source(physical, r.insecure(), false);
    }

    private void addUnlessBlocked(List<Source> sources, Source source) {
        if (conf.find(source.reference()).map(r -> !r.blocked()).orElse(true)) {
            sources.add(source);
        }
    }

    private static void refuseIfBlocked(ImageReference reference, Optional<Registry> entry) {
        if (entry.isPresent() && entry.get().blocked()) {
            throw new BlockedException(reference, entry.get());
        }
    }
}
