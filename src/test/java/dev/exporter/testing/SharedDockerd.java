package dev.exporter.testing;

/**
 * The {@link Dockerd} shared by all tests of a run (see {@link SharedResources} for the required
 * {@code @ExtendWith}); started on first use since startup takes seconds. Images loaded by one
 * test stay visible to later ones: use unique tags or {@link Dockerd#removeAllImages()}.
 */
public final class SharedDockerd {

    private SharedDockerd() {
    }

    public static Dockerd get() {
        return SharedResources.get("dockerd", Dockerd.class, Dockerd::start);
    }
}
