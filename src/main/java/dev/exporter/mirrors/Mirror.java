package dev.exporter.mirrors;

import java.util.Objects;

/**
 * One {@code [[registry.mirror]]}: a (possibly partial) copy of its registry's prefix-rooted namespace.
 *
 * @param location       where the copy lives, {@code host[:port][/namespace...]}, no scheme
 * @param insecure       plain HTTP and unverified TLS allowed
 * @param pullFromMirror which references this mirror serves
 */
public record Mirror(String location, boolean insecure, PullFromMirror pullFromMirror) {

    public Mirror {
        Objects.requireNonNull(pullFromMirror, "pullFromMirror");
        if (location == null || location.isEmpty()) {
            throw new IllegalArgumentException("mirror location is unset");
        }
    }
}
