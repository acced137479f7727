using System.CommandLine;
using Lifeboat.Stack.Scenarios;

namespace Lifeboat.Cli.Commands.Stack;

/// <summary>The options `dump` and `ls` take only in stack mode: which of the app's snapshots to read.</summary>
public sealed class StackReadOptions
{
    /// <summary>--at's forms in a help line (restore's --at too).</summary>
    public const string AtForms = "2026-11-28 (the end of that day), 2026-11-28T15:00, yesterday, 3 days ago, last week, tuesday (local time)";

    public readonly Option<string?> Snapshot = new("--snapshot") { Description = "with a lifeboat.yaml: the app's snapshot to read, an ID or \"latest\" (default: the newest, or the newest at or before --at)" };
    public readonly Option<string?> At = new("--at") { Description = "with a lifeboat.yaml: read the app's newest snapshot at or before this time: " + AtForms };

    public void AddTo(Command command)
    {
        command.Options.Add(Snapshot);
        command.Options.Add(At);
    }

    public string? SnapshotValue(ParseResult parse) => parse.GetValue(Snapshot);

    public DateTimeOffset? AtValue(ParseResult parse) => parse.GetValue(At) is { } text ? StackRestore.ParseTime(text) : null;

    /// <summary>Outside stack mode these options mean nothing: say so instead of ignoring them.</summary>
    public void RejectOutsideStackMode(ParseResult parse, string command)
    {
        foreach (var option in new Option[] { Snapshot, At })
            if (parse.GetResult(option) is { Implicit: false })
                throw new CliException($"{option.Name} needs a lifeboat.yaml (stack mode): `lifeboat {command} APP {option.Name} ...` without -r");
    }
}
