using System.CommandLine;

namespace Lifeboat.Cli.Commands;

/// <summary>One CLI command: its options and arguments, and the action that parses them and calls the engine.</summary>
public interface ICommandFactory
{
    Command Create(GlobalOptions global);
}
