using Lifeboat.Engine;
using Lifeboat.Engine.Model;
using Lifeboat.Engine.Repository;

namespace Lifeboat.Cli.Commands;

/// <summary>"ID", "latest" or "ID:sub/folder", resolved to a snapshot and the tree to work on.</summary>
public static class SnapshotPath
{
    public static async Task<(Snapshot Snapshot, Id Tree, string Subfolder)> ResolveAsync(Repository repo, string spec, SnapshotFilter filter, CancellationToken ct)
    {
        int colon = spec.IndexOf(':');
        var id = colon < 0 ? spec : spec[..colon];
        var sub = colon < 0 ? "" : spec[(colon + 1)..].Trim('/');
        var snapshot = await repo.FindSnapshotAsync(id, filter, ct);
        if (sub.Length == 0) return (snapshot, snapshot.Tree, "");
        var node = await repo.FindNodeAsync(snapshot.Tree, sub, ct);
        if (node is null) throw new CliException($"path \"{sub}\" not found in snapshot {snapshot.Id.ToShortString()}");
        if (node.Type != NodeType.Dir || node.Subtree is null) throw new CliException($"path \"{sub}\" in snapshot {snapshot.Id.ToShortString()} is not a directory");
        return (snapshot, node.Subtree.Value, sub);
    }

    public static string Describe(Snapshot s) =>
        $"<Snapshot {s.Id.ToShortString()} of [{string.Join(" ", s.Paths ?? [])}] at {s.Time.ToDateTimeOffset().ToLocalTime():yyyy-MM-dd HH:mm:ss.fffffff zzz} by {s.Username}@{s.Hostname}>";
}
