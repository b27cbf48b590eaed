package dev.exporter.cli;

import dev.exporter.image.ContentException;
import dev.exporter.image.ManifestException;
import dev.exporter.mirrors.RegistriesConfException;
import dev.exporter.registry.RegistryException;
import dev.exporter.text.Printable;
import dev.exporter.transfer.FileErrors;
import dev.exporter.transfer.TempPaths;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.Arrays;

/** Builds the picocli command line with this tool's error handling and exit codes. */
public final class Cli {

    /**
     * picocli's own switch for leaving built-in converters out. It registers those for the {@code java.sql} and
     * {@code java.time} types by reflection each time it starts, which loads and initialises those classes: about
     * 30 ms of every run's start-up (measured with a cold JVM, median of 8). No option here has such a type
     * ({@code CliSubcommandsTest} checks).
     */
    private static final String CONVERTER_EXCLUDES = "picocli.converters.excludes";
    static final String UNUSED_CONVERTERS = "java\\.(sql|time)\\..*";

    private Cli() {
    }

    /**
     * Runs the tool; returns the exit code. Removes temporary files if the JVM is stopped (Ctrl-C, SIGTERM), and
     * at the end of the run any that a failure path did not remove itself.
     */
    public static int run(String... args) {
        Thread cleanup = new Thread(TempPaths::deleteAll, "exporter-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
        try {
            return execute(commandLine(args), args);
        } finally {
            TempPaths.deleteAll();
            Runtime.getRuntime().removeShutdownHook(cleanup);
        }
    }

    /**
     * Runs {@code cl}; an {@link Error}, which picocli lets through (a JVM out of memory), ends in one line too
     * instead of the JVM's raw stack trace.
     */
    static int execute(CommandLine cl, String[] args) {
        try {
            return cl.execute(args);
        } catch (Error e) {
            return report(e, cl.getErr(), Arrays.asList(args).contains("--debug"));
        }
    }

    /** The whole command line, with every subcommand. */
    public static CommandLine commandLine() {
        return commandLine(null);
    }

    /**
     * The command line as far as {@code args} (null: all of them) can use it. picocli builds the model of every
     * subcommand it is given, by reflection over all their options, before it parses anything; that cost a fifth
     * of an export's start-up. A subcommand can only be matched by an argument equal to its name, and the usage
     * help lists them all, so it gets those named in {@code args}, or every one when help may be asked for.
     * Everything then parses exactly as with all subcommands present.
     */
    static CommandLine commandLine(String[] args) {
        if (System.getProperty(CONVERTER_EXCLUDES) == null) {
            System.setProperty(CONVERTER_EXCLUDES, UNUSED_CONVERTERS);
        }
        CommandLine cl = new CommandLine(new ExporterCommand());
        boolean all = args == null || Arrays.stream(args).anyMatch(Cli::mayAskForHelp);
        for (Class<?> subcommand : ExporterCommand.SUBCOMMANDS) {
            String name = subcommand.getAnnotation(CommandLine.Command.class).name();
            if (all || Arrays.asList(args).contains(name)) {
                cl.addSubcommand(name, subcommand);
            }
        }
        cl.setParameterExceptionHandler(Cli::usageError);
        cl.setExecutionExceptionHandler(Cli::failure);
        cl.setExitCodeExceptionMapper(e -> e instanceof CommandLine.ParameterException ? ExitCodes.USAGE : ExitCodes.FAILURE);
        return cl;
    }

    /** {@code --help}, or short options that may include {@code -h} (a false alarm only costs start-up time). */
    private static boolean mayAskForHelp(String arg) {
        return arg.equals("--help") || (arg.startsWith("-") && !arg.startsWith("--") && arg.indexOf('h') > 0);
    }

    private static int usageError(CommandLine.ParameterException e, String[] args) {
        CommandLine cl = e.getCommandLine();
        PrintWriter err = cl.getErr();
        // one line, as every failure (README: Exit codes), the pointer to the help included
        err.println("exporter: " + e.getMessage() + " (see '" + cl.getCommandSpec().qualifiedName() + " --help')");
        err.flush();
        return ExitCodes.USAGE;
    }

    private static int failure(Exception e, CommandLine cl, CommandLine.ParseResult parsed) {
        PrintWriter err = cl.getErr();
        boolean debug = parsed.hasMatchedOption("--debug")
                || (parsed.subcommand() != null && parsed.subcommand().hasMatchedOption("--debug"));
        if (e instanceof CommandLine.ParameterException pe) {
            return usageError(pe, new String[0]);
        }
        return report(e, err, debug);
    }

    private static int report(Throwable e, PrintWriter err, boolean debug) {
        err.println("exporter: " + Printable.line(message(e)));
        if (debug) {
            printStackTrace(e, err);
        }
        err.flush();
        return ExitCodes.FAILURE;
    }

    /**
     * The stack trace a line at a time through {@link Printable}: messages in it came from registries and may hold
     * terminal escapes or echo an {@code Authorization} header. The tab that indents a frame is the JDK's own and stays.
     */
    static void printStackTrace(Throwable e, PrintWriter err) {
        StringWriter trace = new StringWriter();
        e.printStackTrace(new PrintWriter(trace));
        trace.toString().lines().forEach(line -> err.println(line.startsWith("\t")
                ? "\t" + Printable.line(line.substring(1)) : Printable.line(line)));
    }

    /** {@code -j}'s value when it is one a command takes (1 to 64), else a usage error naming it. */
    static int jobs(picocli.CommandLine.Model.CommandSpec spec, int jobs) {
        if (jobs < 1 || jobs > 64) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--jobs must be between 1 and 64, got " + jobs);
        }
        return jobs;
    }

    /** One line saying what went wrong; library exceptions already say what was being done to what. */
    static String message(Throwable e) {
        if (e instanceof RegistryException || e instanceof ManifestException || e instanceof ContentException
                || e instanceof CommandFailure || e instanceof RegistriesConfException) {
            return e.getMessage();
        }
        if (e instanceof UncheckedIOException u) {
            return u.getMessage();
        }
        if (e instanceof IOException io) {
            return FileErrors.describe(io);
        }
        if (e instanceof OutOfMemoryError) {
            return "out of memory (" + e.getMessage() + "); give the JVM more with -Xmx";
        }
        return "internal error: " + e + " (run with --debug for details)";
    }
}
