package dev.exporter.testing;

import java.util.function.Supplier;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ExtensionContext.Namespace;

/**
 * JUnit 5 extension that makes slow-to-start fixtures ({@link SharedRegistries},
 * {@link SharedDockerd}) shared by the whole test run.
 *
 * <p>Usage: annotate the test class with {@code @ExtendWith(SharedResources.class)} and call e.g.
 * {@code SharedRegistries.token()} or {@code SharedDockerd.get()} from tests or
 * {@code @BeforeAll} methods. Each resource is started on first use and stored in the root
 * context's store, which JUnit closes when the run ends. Without the extension the accessors fail
 * with a hint.
 *
 * <p>Shared instances carry state between test classes (pushed images, token-server request
 * records, loaded docker images): use unique repository names and reset what you assert on.
 */
public final class SharedResources implements BeforeAllCallback {

    private static final Namespace NAMESPACE = Namespace.create(SharedResources.class);

    /** Root context of the current run; the store below lives as long as it does. */
    private static volatile ExtensionContext root;

    @Override
    public void beforeAll(ExtensionContext context) {
        root = context.getRoot();
    }

    /** The resource stored under {@code key}, created with {@code factory} on first use. */
    static <T extends AutoCloseable> T get(String key, Class<T> type, Supplier<T> factory) {
        ExtensionContext context = root;
        if (context == null) {
            throw new IllegalStateException("shared test resources need @ExtendWith(SharedResources.class) on the test class");
        }
        Holder holder = context.getStore(NAMESPACE)
                .getOrComputeIfAbsent(key, k -> new Holder(factory.get()), Holder.class);
        return type.cast(holder.resource);
    }

    /** Adapts an {@link AutoCloseable} to what the JUnit store closes at the end of the run. */
    private record Holder(AutoCloseable resource) implements ExtensionContext.Store.CloseableResource {
        @Override
        public void close() throws Exception {
            resource.close();
        }
    }
}
