package dev.exporter.registry;

import dev.exporter.reference.ImageReference;
import dev.exporter.registry.RegistryException.Kind;
import dev.exporter.registry.http.Origin;
import dev.exporter.text.Printable;

import java.net.URI;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Lists every tag of a repository, following the registry's {@code Link: <...>; rel="next"} pagination to the end.
 * A link may be relative (resolved against the page it came with) or absolute, but must stay on the registry and
 * under {@code /v2/}; a link back to a page already fetched, more than {@link #MAX_PAGES} pages or more tags than
 * the caps allow is an error rather than an endless loop or an exhausted memory.
 */
public final class TagLister {

    /** With the registries' usual 100 to 1000 tags a page, far beyond any real repository. */
    static final int MAX_PAGES = 10_000;
    /** Caps on what a listing holds in memory: a registry serving endless pages cannot exhaust it. */
    static final int MAX_TAGS = 1_000_000;
    static final long MAX_TAG_BYTES = 64L * 1024 * 1024;

    private final RegistryClient client;

    public TagLister(RegistryClient client) {
        this.client = client;
    }

    /**
     * Every tag in the order the registry lists them.
     *
     * @param pageSize the {@code n} to ask for, or null to let the registry choose
     */
    public List<String> list(ImageReference repository, Integer pageSize) {
        if (pageSize != null && pageSize < 1) {
            throw new IllegalArgumentException("page size must be at least 1, got " + pageSize);
        }
        List<String> tags = new ArrayList<>();
        long bytes = 0;
        Set<String> fetched = new HashSet<>();
        String path = TagsPage.firstPath(repository, pageSize);
        while (true) {
            if (!fetched.add(path)) {
                throw new RegistryException(Kind.PROTOCOL, 0, TagsPage.describe(repository)
                        + ": the registry's next-page link points back to a page already fetched (" + path + ")");
            }
            if (fetched.size() > MAX_PAGES) {
                throw new RegistryException(Kind.PROTOCOL, 0, TagsPage.describe(repository)
                        + ": gave up after " + MAX_PAGES + " pages of tags");
            }
            TagsPage.Page page = client.call(repository, new TagsPage(repository, path, MAX_TAGS - tags.size(),
                    MAX_TAG_BYTES - bytes));
            tags.addAll(page.tags());
            bytes += page.tags().stream().mapToLong(String::length).sum();
            if (page.next() == null) {
                return tags;
            }
            path = nextPath(repository, path, page.next());
        }
    }

    /**
     * The path and query of the page {@code link} points at, resolved against {@code current} as RFC 8288 says.
     * The scheme of an absolute link is ignored: the client keeps using the one it settled on for the registry.
     */
    static String nextPath(ImageReference repository, String current, String link) {
        return nextPath(repository, current, link, TagsPage.describe(repository));
    }

    /** {@link #nextPath(ImageReference, String, String)} for any paginated listing, {@code action} naming it in errors. */
    static String nextPath(ImageReference repository, String current, String link, String action) {
        URI next;
        try {
            URI base = URI.create("http://" + repository.apiHost() + current);
            // java.net.URI follows RFC 2396 here, which would drop the last path segment for "?query"
            next = link.trim().startsWith("?") ? URI.create("http://" + repository.apiHost() + base.getRawPath() + link.trim())
                    : base.resolve(link.trim());
        } catch (IllegalArgumentException e) {
            throw badLink(action, link, "not a valid URI");
        }
        if (next.getRawAuthority() == null || !sameHost(next, repository.apiHost())) {
            throw badLink(action, link, "it leads away from " + repository.apiHost());
        }
        String path = next.getRawPath();
        if (path == null || !path.startsWith("/v2/")) {
            throw badLink(action, link, "it is not a registry API path");
        }
        return next.getRawQuery() == null ? path : path + "?" + next.getRawQuery();
    }

    /** Whether the link leads to the registry's host and port, a scheme's default port counting as none. */
    private static boolean sameHost(URI link, String apiHost) {
        return link.getHost() != null && link.getScheme() != null
                && Origin.of(URI.create(link.getScheme() + "://" + apiHost)).sameAs(link);
    }

    static RegistryException tooMany(ImageReference repository) {
        return new RegistryException(Kind.PROTOCOL, 0, TagsPage.describe(repository) + ": more than " + MAX_TAGS
                + " tags or " + MAX_TAG_BYTES / (1024 * 1024) + " MiB of tag names; giving up");
    }

    private static RegistryException badLink(String action, String link, String why) {
        return new RegistryException(Kind.PROTOCOL, 0, action
                + ": cannot follow the next-page link '" + Printable.fragment(link) + "': " + why);
    }
}
