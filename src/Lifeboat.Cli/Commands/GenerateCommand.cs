using System.CommandLine;
using System.Text;

namespace Lifeboat.Cli.Commands;

/// <summary>
/// restic's generate: shell completion scripts (bash, zsh, fish; "-" for standard output, restic 0.18) and a man page
/// per command in a directory, all made from the command tree itself, so they name every command and flag there is.
/// </summary>
public sealed class GenerateCommand : ICommandFactory
{
    public Command Create(GlobalOptions global)
    {
        var bash = new Option<string?>("--bash-completion") { Description = "write bash completion file (- for stdout)" };
        var zsh = new Option<string?>("--zsh-completion") { Description = "write zsh completion file (- for stdout)" };
        var fish = new Option<string?>("--fish-completion") { Description = "write fish completion file (- for stdout)" };
        var man = new Option<string?>("--man") { Description = "write man pages to directory" };
        var command = new Command("generate", """
            Generate manual pages and auto-completion files (bash, fish, zsh)

            The "generate" command writes automatically generated files (like the man pages and the auto-completion
            files for bash, fish and zsh).
            """) { bash, zsh, fish, man };
        command.SetAction((parse, ct) => Program.Run(() =>
        {
            var root = parse.RootCommandResult.Command;
            var outputs = new (string? Target, Func<Command, string> Script)[]
            {
                (parse.GetValue(bash), ShellCompletion.Bash), (parse.GetValue(zsh), ShellCompletion.Zsh), (parse.GetValue(fish), ShellCompletion.Fish),
            };
            if (outputs.All(o => o.Target is null) && parse.GetValue(man) is null)
                throw new CliException("nothing to do, please specify at least one output file/dir");
            foreach (var (target, script) in outputs)
                if (target is not null) Write(target, script(root));
            if (parse.GetValue(man) is { } directory)
            {
                Directory.CreateDirectory(directory);
                foreach (var (path, page) in ManPages.All(root, DateTime.UtcNow))
                    File.WriteAllText(Path.Combine(directory, path), page, new UTF8Encoding(false));
            }
            return Task.FromResult(ExitCodes.Ok);
        }, ct));
        return command;
    }

    private static void Write(string target, string text)
    {
        if (target == "-") Console.Out.Write(text);
        else File.WriteAllText(target, text, new UTF8Encoding(false));
    }
}
