/**
 * Mirrors and registry rewrites as podman, skopeo, buildah and CRI-O read them ({@code containers-registries.conf}
 * version 2, and v1's insecure and blocked lists), plus dockerd-style {@code --registry-mirror} root URLs for Docker
 * Hub: {@link dev.exporter.mirrors.Sources} turns a reference into the ordered places to pull it from (mirrors,
 * then the primary location) or to push it to (the primary location only).
 *
 * <p>Pulls go through {@code remote.PullSources}, which tries each source in turn; pushes take
 * {@link dev.exporter.mirrors.RegistriesConf#pushTarget} (rewrites and blocked names, never mirrors).
 */
package dev.exporter.mirrors;
