using System.CommandLine;

namespace Lifeboat.Cli.Commands;

/// <summary>Newer restic's "repair" group; only "repair index" (the same as rebuild-index) exists here.</summary>
public sealed class RepairCommand : ICommandFactory
{
    public Command Create(GlobalOptions global)
    {
        var command = new Command("repair", "Repair the repository");
        command.Subcommands.Add(RebuildIndexCommand.Build("index", "Build a new index", global));
        return command;
    }
}
