package dev.exporter.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

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
}
