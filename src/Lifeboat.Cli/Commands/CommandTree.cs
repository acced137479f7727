using System.CommandLine;

namespace Lifeboat.Cli.Commands;

/// <summary>The visible commands and options of the command line, for the generated completions and man pages.</summary>
internal static class CommandTree
{
    /// <summary>Every visible command below the root, with its path of names ("key add"), depth first.</summary>
    public static IEnumerable<(string Path, Command Command)> Commands(Command root, string prefix = "")
    {
        foreach (var sub in root.Subcommands.Where(c => !c.Hidden))
        {
            var path = prefix.Length == 0 ? sub.Name : $"{prefix} {sub.Name}";
            yield return (path, sub);
            foreach (var nested in Commands(sub, path)) yield return nested;
        }
    }

    /// <summary>The options a command takes: its own, and the recursive ones of the commands above it (the global options).</summary>
    public static IEnumerable<Option> Options(Command command, bool inherited)
    {
        if (!inherited) return command.Options.Where(Visible);
        var above = new List<Option>();
        for (var parent = command.Parents.OfType<Command>().FirstOrDefault(); parent is not null; parent = parent.Parents.OfType<Command>().FirstOrDefault())
            above.AddRange(parent.Options.Where(o => o.Recursive && Visible(o)));
        return above;
    }

    /// <summary>Every name of an option ("--exclude", "-e").</summary>
    public static IEnumerable<string> Names(Option option) => new[] { option.Name }.Concat(option.Aliases);

    /// <summary>The first line of a description.</summary>
    public static string Summary(string? description) => (description ?? "").Split('\n')[0].Trim();

    public static bool TakesValue(Option option) => option.Arity.MaximumNumberOfValues > 0 && option.ValueType != typeof(bool);

    private static bool Visible(Option option) => !option.Hidden && option.Name is not ("--help" or "--version");
}
