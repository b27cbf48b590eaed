package dev.exporter.registry;

import dev.exporter.image.Descriptor;
import dev.exporter.reference.Digest;
import dev.exporter.reference.ImageReference;
import dev.exporter.registry.RegistryException.Kind;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Lists what refers to a manifest through the OCI 1.1 referrers API, following {@code Link} pagination as
 * {@link TagLister} does (same rules for links, a loop or too many pages is an error). A registry without the API
 * answers 404 (distribution 2.8 among them): the result is then empty, and the caller falls back to the
 * {@code sha256-<hex>} tag. The listing is capped, since it is held in memory.
 */
public final class ReferrersLister {

    /** Far beyond any real listing, which is a page or two. */
    static final int MAX_PAGES = 100;
    static final int MAX_REFERRERS = 10_000;

    /**
     * One referrer as the index lists it.
     *
     * @param artifactType the descriptor's {@code artifactType}, or null
     */
    public record Listed(Descriptor descriptor, String artifactType) {
    }

    private final RegistryClient client;

    public ReferrersLister(RegistryClient client) {
        this.client = client;
    }

    /**
     * The referrers of {@code subject} in {@code repository}'s repository, in the registry's order; only those of
     * {@code artifactType} when it is not null (filtered here too when the registry did not say it filtered).
     * Empty when the registry lacks the API.
     */
    public Optional<List<Listed>> list(ImageReference repository, Digest subject, String artifactType) {
        String action = ReferrersPage.describe(repository, subject);
        List<Listed> referrers = new ArrayList<>();
        Set<String> fetched = new HashSet<>();
        String path = ReferrersPage.firstPath(repository, subject, artifactType);
        while (true) {
            if (!fetched.add(path)) {
                throw new RegistryException(Kind.PROTOCOL, 0, action
                        + ": the registry's next-page link points back to a page already fetched (" + path + ")");
            }
            if (fetched.size() > MAX_PAGES) {
                throw new RegistryException(Kind.PROTOCOL, 0, action + ": gave up after " + MAX_PAGES + " pages");
            }
            ReferrersPage.Page page;
            try {
                page = client.call(repository, new ReferrersPage(repository, subject, path));
            } catch (RegistryException e) {
                if (fetched.size() == 1 && lacksApi(e)) {
                    return Optional.empty();
                }
                throw e;
            }
            for (Listed listed : page.referrers()) {
                if (artifactType == null || page.filtered() || artifactType.equals(listed.artifactType())) {
                    referrers.add(listed);
                }
            }
            if (referrers.size() > MAX_REFERRERS) {
                throw new RegistryException(Kind.INVALID_CONTENT, 0, action + ": more than " + MAX_REFERRERS + " referrers");
            }
            if (page.next() == null) {
                return Optional.of(List.copyOf(referrers));
            }
            path = TagLister.nextPath(repository, path, page.next(), action);
        }
    }

    /**
     * The first page of {@code subject}'s referrers, asked for once without retries: enough to tell whether there
     * are any. Empty when the registry lacks the API.
     */
    public Optional<List<Listed>> firstPage(ImageReference repository, Digest subject) {
        try {
            return Optional.of(client.callOnce(repository, new ReferrersPage(repository, subject,
                    ReferrersPage.firstPath(repository, subject, null))).referrers());
        } catch (RegistryException e) {
            if (lacksApi(e)) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /** 404 is what the spec tells registries without the API to answer; some older ones answer 400 or 405. */
    private static boolean lacksApi(RegistryException e) {
        return e.kind() == Kind.NOT_FOUND || e.status() == 400 || e.status() == 405;
    }
}
