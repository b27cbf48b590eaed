package dev.exporter.registry;

import dev.exporter.reference.ImageReference;

/** What every push endpoint shares: the repository it writes to, and a token that may push there. */
abstract class PushEndpoint<T> implements RegistryEndpoint<T> {

    final ImageReference target;

    PushEndpoint(ImageReference target) {
        this.target = target;
    }

    @Override
    public String repository() {
        return target.repository();
    }

    @Override
    public String actions() {
        return "pull,push";
    }
}
