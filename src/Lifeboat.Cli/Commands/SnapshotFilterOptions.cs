using System.CommandLine;
using Lifeboat.Engine.Repository;

namespace Lifeboat.Cli.Commands;

/// <summary>restic's --host, --tag and --path filters, shared by the commands that select snapshots.</summary>
public sealed class SnapshotFilterOptions
{
    public readonly Option<string[]> Host = new("--host", "-H") { Description = "only consider snapshots for this host (can be specified multiple times) (default: $RESTIC_HOST)" };
    public readonly Option<string[]> Tag = new("--tag") { Description = "only consider snapshots including tag[,tag,...] (can be specified multiple times)" };
    public readonly Option<string[]> Path = new("--path") { Description = "only consider snapshots including this (absolute) path (can be specified multiple times)" };

    public void AddTo(Command command)
    {
        command.Options.Add(Host);
        command.Options.Add(Tag);
        command.Options.Add(Path);
    }

    public SnapshotFilter Get(ParseResult parse) => new()
    {
        Hosts = Hosts(parse),
        Paths = parse.GetValue(Path) ?? [],
        TagGroups = SnapshotFilter.ParseTags(parse.GetValue(Tag) ?? []),
    };

    /// <summary>--host, else $RESTIC_HOST (restic 0.17); a --host given, even empty (restic 0.19's --host=""), wins.</summary>
    private string[] Hosts(ParseResult parse)
    {
        if (parse.GetResult(Host) is { Implicit: false }) return (parse.GetValue(Host) ?? []).Where(h => h.Length > 0).ToArray();
        return Env.Get("RESTIC_HOST") is { Length: > 0 } host ? [host] : [];
    }
}
