using Lifeboat.Engine.Model;

namespace Lifeboat.Engine.Repository;

/// <summary>restic's snapshot filter: --host, --path and --tag (each --tag value a comma-separated AND-group; groups are ORed).</summary>
public sealed record SnapshotFilter
{
    public IReadOnlyList<string> Hosts { get; init; } = [];
    public IReadOnlyList<string> Paths { get; init; } = [];
    public IReadOnlyList<IReadOnlyList<string>> TagGroups { get; init; } = [];

    public bool IsEmpty => Hosts.Count == 0 && Paths.Count == 0 && TagGroups.Count == 0;

    public static IReadOnlyList<IReadOnlyList<string>> ParseTags(IEnumerable<string> values) =>
        values.Select(v => (IReadOnlyList<string>)v.Split(',', StringSplitOptions.RemoveEmptyEntries)).ToList();

    public bool Matches(Snapshot snapshot)
    {
        if (Hosts.Count > 0 && !Hosts.Contains(snapshot.Hostname ?? "")) return false;
        if (Paths.Count > 0)
        {
            var paths = snapshot.Paths ?? [];
            // restic: every given path must be among the snapshot's paths
            if (!Paths.All(p => paths.Contains(p))) return false;
        }
        if (TagGroups.Count > 0)
        {
            bool any = TagGroups.Any(group => group.Count == 0
                ? (snapshot.Tags is null || snapshot.Tags.Count == 0)
                : group.All(snapshot.HasTag));
            if (!any) return false;
        }
        return true;
    }
}
