/**
 * Mirrors and registry rewrites as podman, skopeo, buildah and CRI-O read them ({@code containers-registries.conf}
 * version 2, and v1's insecure and blocked lists), plus dockerd-style {@code --registry-mirror} root URLs for Docker
 * Hub: {@link dev.exporter.mirrors.Sources} turns a reference into the ordered places to pull it from (mirrors,
 * then the primary location) or to push it to (the primary location only).
 *
 * <p>So far a library with its own tests: the pull and push paths do not consult it yet. Wiring it in means
 * resolving and fetching each image from the first source that has it (skipping a dead or refusing mirror quickly)
 * while archives keep the name the user asked for.
 */
package dev.exporter.mirrors;
