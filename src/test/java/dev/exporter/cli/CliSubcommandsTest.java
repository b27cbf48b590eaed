package dev.exporter.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Subcommands are built only when a command line names them or may ask for help, and parsing does not change. */
class CliSubcommandsTest {

    private static final List<String> ALL = List.of("pull", "tags", "manifest", "config", "blob", "inspect", "verify", "push", "login", "logout");

    @Test
    void theWholeCommandLineHasEverySubcommandInHelpOrder() {
        assertEquals(ALL, List.copyOf(Cli.commandLine().getSubcommands().keySet()));
    }

    @Test
    void anExportBuildsNoSubcommand() {
        String[] args = {"127.0.0.1:5000/app:1", "-o", "app.tar", "-q"};
        CommandLine cl = Cli.commandLine(args);
        assertEquals(Set.of(), cl.getSubcommands().keySet());
        assertNull(cl.parseArgs(args).subcommand());
    }

    @Test
    void aNamedSubcommandIsBuiltWhereverItStands() {
        String[] args = {"--debug", "tags", "127.0.0.1:5000/app"};
        CommandLine cl = Cli.commandLine(args);
        assertEquals(Set.of("tags"), cl.getSubcommands().keySet());
        assertEquals("tags", cl.parseArgs(args).subcommand().commandSpec().name());
    }

    @Test
    void helpListsEverySubcommand() {
        for (String help : List.of("--help", "-h", "-qh")) {
            CommandLine cl = Cli.commandLine(new String[] {help});
            assertEquals(ALL, List.copyOf(cl.getSubcommands().keySet()), help);
            assertEquals(Cli.commandLine().getUsageMessage(), cl.getUsageMessage(), help);
        }
    }

    @Test
    void subcommandHelpIsTheSameAsWithAllSubcommands() {
        CommandLine lazy = Cli.commandLine(new String[] {"login", "--help"});
        assertEquals(Cli.commandLine().getSubcommands().get("login").getUsageMessage(),
                lazy.getSubcommands().get("login").getUsageMessage());
    }

    /** Cli leaves picocli's java.sql and java.time converters out: no option of any command may need them. */
    @Test
    void noOptionHasATypeWhoseConverterIsLeftOut() {
        List<String> offending = new java.util.ArrayList<>();
        collectLeftOutTypes(Cli.commandLine(), offending);
        assertEquals(List.of(), offending);
        assertTrue("java.time.Duration".matches(Cli.UNUSED_CONVERTERS));
        assertTrue("java.sql.Timestamp".matches(Cli.UNUSED_CONVERTERS));
        assertFalse("java.nio.file.Path".matches(Cli.UNUSED_CONVERTERS));
    }

    private static void collectLeftOutTypes(CommandLine cl, List<String> offending) {
        for (CommandLine.Model.ArgSpec arg : cl.getCommandSpec().args()) {
            List<Class<?>> types = new java.util.ArrayList<>(List.of(arg.auxiliaryTypes()));
            types.add(arg.type());
            for (Class<?> type : types) {
                if (type.getName().matches(Cli.UNUSED_CONVERTERS)) {
                    offending.add(cl.getCommandSpec().qualifiedName() + " " + arg + ": " + type.getName());
                }
            }
        }
        cl.getSubcommands().values().forEach(sub -> collectLeftOutTypes(sub, offending));
    }
}
