using System.Text.Json;

namespace Lifeboat.Engine.Tests.Model;

/// <summary>Locates the shared reference fixtures (override with LIFEBOAT_REFERENCE).</summary>
internal static class ReferenceFixtures
{
    public static string Root =>
        Environment.GetEnvironmentVariable("LIFEBOAT_REFERENCE") is { Length: > 0 } r ? r : "/work/shared/reference";

    public static string GeneratedManifest(string name)
    {
        string path = Path.Combine(Root, "fixtures", "generated", name);
        if (!File.Exists(path)) Assert.Skip($"fixture {path} not present");
        return path;
    }

    public record TreeBlob(string Manifest, string Id, byte[] Json);

    public static IEnumerable<TreeBlob> TreeBlobs(string manifest)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(GeneratedManifest(manifest)));
        var list = new List<TreeBlob>();
        foreach (var pack in doc.RootElement.GetProperty("packs").EnumerateObject())
            foreach (var entry in pack.Value.GetProperty("entries").EnumerateArray())
                if (entry.TryGetProperty("tree_json_base64", out var b64))
                    list.Add(new TreeBlob(manifest, entry.GetProperty("id").GetString()!, Convert.FromBase64String(b64.GetString()!)));
        return list;
    }

    public static IEnumerable<(string Id, string Json)> Snapshots(string manifest)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(GeneratedManifest(manifest)));
        var list = new List<(string, string)>();
        foreach (var s in doc.RootElement.GetProperty("snapshot_files").EnumerateObject())
            list.Add((s.Name, s.Value.GetProperty("json").GetString()!));
        return list;
    }

    public static readonly string[] Manifests = ["restic-0.14.0-repo-v1.manifest.json", "restic-0.14.0-repo-v2.manifest.json"];
}
