using Lifeboat.Engine.Model;

namespace Lifeboat.Engine.Maintenance;

/// <summary>A group's key as restic builds it: null members when not grouped by them; paths and tags sorted.</summary>
public sealed record ForgetGroupKey(string Hostname, IReadOnlyList<string>? Paths, IReadOnlyList<string>? Tags)
{
    public string Identity => $"{Hostname}\0{(Paths is null ? "-" : string.Join("\u0001", Paths))}\0{(Tags is null ? "-" : string.Join("\u0001", Tags))}";
}

/// <summary>restic's --group-by: any of host, paths, tags, comma-separated.</summary>
public sealed record ForgetGrouping(bool ByHost, bool ByPaths, bool ByTags)
{
    public static ForgetGrouping Default => new(true, true, false);

    public static ForgetGrouping Parse(string text)
    {
        bool host = false, paths = false, tags = false;
        foreach (var option in text.Split(','))
        {
            switch (option)
            {
                case "host": host = true; break;
                case "paths": paths = true; break;
                case "tags": tags = true; break;
                case "": break;
                default: throw new FormatException($"unknown grouping option: '{option}'"); // restic's words, quotes too
            }
        }
        return new ForgetGrouping(host, paths, tags);
    }

    /// <summary>
    /// The snapshot's group. Like restic 0.14's GroupSnapshots this sorts the snapshot's own paths in place
    /// (always) and its tags (when grouping by them), which shows in forget's output.
    /// </summary>
    public ForgetGroupKey KeyOf(Snapshot snapshot)
    {
        snapshot.Paths?.Sort(StringComparer.Ordinal);
        if (ByTags) snapshot.Tags?.Sort(StringComparer.Ordinal);
        return new(ByHost ? snapshot.Hostname ?? "" : "", ByPaths ? snapshot.Paths?.ToList() : null, ByTags ? snapshot.Tags?.ToList() : null);
    }

    /// <summary>The groups in order of their first snapshot (restic's order is a Go map's, i.e. arbitrary).</summary>
    public List<(ForgetGroupKey Key, List<Snapshot> Snapshots)> Group(IEnumerable<Snapshot> snapshots)
    {
        var groups = new List<(ForgetGroupKey Key, List<Snapshot> Snapshots)>();
        var byIdentity = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var s in snapshots)
        {
            var key = KeyOf(s);
            if (!byIdentity.TryGetValue(key.Identity, out int i))
            {
                i = groups.Count;
                byIdentity.Add(key.Identity, i);
                groups.Add((key, []));
            }
            groups[i].Snapshots.Add(s);
        }
        return groups;
    }
}
