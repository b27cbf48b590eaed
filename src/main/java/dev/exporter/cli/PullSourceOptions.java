package dev.exporter.cli;

import dev.exporter.mirrors.HubMirror;
import dev.exporter.mirrors.Source;
import dev.exporter.mirrors.Sources;
import dev.exporter.reference.ImageReference;
import dev.exporter.remote.PullSources;
import dev.exporter.remote.RegistryImages;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Where the commands that read images pull from: registries.conf (rewrites, blocked names, mirrors) and
 * {@code --registry-mirror} for Docker Hub, over the {@link RegistryOptions}' clients. Pull, manifest, config,
 * inspect and blob share it.
 */
final class PullSourceOptions {

    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    @Option(names = "--registry-mirror", paramLabel = "URL",
            description = "A Docker Hub mirror (http:// or https:// root URL, like dockerd's flag), tried before Docker"
                    + " Hub for docker.io images; may be repeated. Also read: registries.conf and its drop-ins.")
    List<String> registryMirrors = new ArrayList<>();

    /**
     * The places to pull {@code references} from. Reading registries.conf happens here, and so does the refusal of
     * a blocked name, before anything is contacted.
     */
    PullSources pullSources(RegistryOptions registry, List<ImageReference> references) {
        List<HubMirror> hubMirrors = new ArrayList<>();
        for (String url : registryMirrors) {
            try {
                hubMirrors.add(HubMirror.parse(url));
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), "--registry-mirror: " + e.getMessage());
            }
        }
        Sources sources = new Sources(registry.registriesConf(), hubMirrors);
        Set<String> insecure = new HashSet<>();
        for (ImageReference reference : references) {
            for (Source source : sources.pull(reference)) {
                if (source.insecure()) {
                    insecure.add(source.reference().apiHost());
                }
            }
        }
        return registry.pullSources(sources, insecure);
    }

    /** The registry as a place to read {@code reference} from, for the commands that look at one image. */
    RegistryImages images(RegistryOptions registry, ImageReference reference) {
        return new RegistryImages(pullSources(registry, List.of(reference)), List.of());
    }
}
