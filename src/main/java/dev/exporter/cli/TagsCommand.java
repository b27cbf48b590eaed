package dev.exporter.cli;

import dev.exporter.reference.ImageReference;
import dev.exporter.registry.TagLister;
import dev.exporter.text.Printable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code exporter tags REPO}: every tag of a repository, one per line, across all pages. Tags come from the
 * registry, so each is made printable: a hostile one cannot move the cursor or hide the lines after it.
 */
@Command(name = "tags", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"List every tag of a repository, one per line, following the registry's pagination to the end.",
                "A tag or digest in REPO is ignored, so an image name can be pasted as is."})
public final class TagsCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "REPO", description = "Repository, e.g. alpine, user/app, host:5000/a/b.")
    String repository;

    @Option(names = "--page-size", paramLabel = "N",
            description = "Ask the registry for N tags per page (default: the registry's own page size).")
    Integer pageSize;

    @Mixin
    RegistryOptions registry;

    @Override
    public Integer call() {
        ImageReference repo = ImageArgument.parse(spec, repository);
        if (pageSize != null && (pageSize < 1 || pageSize > 10_000)) {
            throw new ParameterException(spec.commandLine(), "--page-size must be between 1 and 10000, got " + pageSize);
        }
        List<String> tags = new TagLister(registry.client()).list(repo, pageSize);
        PrintWriter out = spec.commandLine().getOut();
        tags.forEach(tag -> out.println(Printable.line(tag)));
        out.flush();
        return ExitCodes.OK;
    }
}
