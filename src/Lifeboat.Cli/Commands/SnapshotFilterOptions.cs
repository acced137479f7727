using System.CommandLine;
using Lifeboat.Engine.Repository;

namespace Lifeboat.Cli.Commands;

/// <summary>restic's --host, --tag and --path filters, shared by the commands that select snapshots.</summary>
public sealed class SnapshotFilterOptions
{
    public readonly Option<string[]> Host = new("--host", "-H") { Description = "only consider snapshots for this host (can be specified multiple times)" };
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
        Hosts = parse.GetValue(Host) ?? [],
        Paths = parse.GetValue(Path) ?? [],
        TagGroups = SnapshotFilter.ParseTags(parse.GetValue(Tag) ?? []),
    };
}
