using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Lifeboat.Engine;
using Lifeboat.Engine.Backup;
using Lifeboat.Engine.Model;
using Lifeboat.Engine.Platform;
using Lifeboat.Engine.Repository;
using Lifeboat.Engine.Restore;
using Lifeboat.Engine.Storage;
using Lifeboat.TestSupport;

namespace Lifeboat.Interop.Tests;

/// <summary>Collects the restorer's item errors.</summary>
public sealed class RestoreErrors : IRestoreObserver
{
    public ConcurrentBag<(string Path, Exception Error)> Items { get; } = [];
    public void ItemError(string path, Exception error) => Items.Add((path, error));
    public override string ToString() => string.Join("\n", Items.Select(i => $"{i.Path}: {i.Error.Message}"));
}

/// <summary>Collects the archiver's item errors.</summary>
public sealed class BackupErrors : IBackupObserver
{
    public ConcurrentBag<(string Path, string During, Exception Error)> Items { get; } = [];
    public void ItemError(string path, string during, Exception error) => Items.Add((path, during, error));
    public override string ToString() => string.Join("\n", Items.Select(i => $"{i.Path} ({i.During}): {i.Error.Message}"));
}

/// <summary>The edge-case tree, built once per test class.</summary>
public sealed class EdgeTreeFixture : IDisposable
{
    public TempDirectory Directory { get; } = new("lifeboat-edge");
    public string Source { get; }
    public EdgeCaseTreeSummary Summary { get; }

    public EdgeTreeFixture()
    {
        Source = Directory.Combine("src");
        Summary = EdgeCaseTree.Create(Source);
    }

    public void Dispose() => Directory.Dispose();
}

public static class Interop
{
    public const string Password = "pw";
    public static readonly (int N, int R, int P) FastKdf = (1024, 8, 1);
    public static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static async Task<Repository> InitAsync(string path, int version, RepositoryOptions? options = null) =>
        await Repository.InitAsync(new LocalBackend(path), Password, version, options ?? new RepositoryOptions(), FastKdf, cancellationToken: Ct);

    public static async Task<Repository> OpenAsync(string path, string password = Password, bool loadIndex = true)
    {
        var repo = await Repository.OpenAsync(new LocalBackend(path), password, new RepositoryOptions(), Ct);
        if (loadIndex) await repo.LoadIndexAsync(Ct);
        return repo;
    }

    public static async Task<BackupResult> BackupAsync(Repository repo, IReadOnlyList<string> paths, string hostname = "lifeboat-test",
        bool force = false, IBackupObserver? observer = null, Id? parent = null)
    {
        var archiver = new Archiver(repo, new BackupOptions { Paths = paths, Hostname = hostname, Force = force, Parent = parent }, observer);
        return await archiver.RunAsync(Ct);
    }

    public static async Task<(Restorer Restorer, RestoreErrors Errors)> RestoreAsync(Repository repo, Id tree, string target)
    {
        var errors = new RestoreErrors();
        var restorer = new Restorer(repo, new RestoreOptions { Target = target }, errors);
        await restorer.RunAsync(tree, Ct);
        return (restorer, errors);
    }

    public static void AssertCheck(Restic restic, bool readData = true)
    {
        var r = readData ? restic.Run("check", "--read-data") : restic.Run("check");
        Assert.True(r.ExitCode == 0, $"restic check failed ({r.ExitCode}):\n{r.Stdout}\n{r.Stderr}");
    }

    public static HashSet<Id> DataBlobIds(Repository repo) =>
        repo.Index.All().Where(b => b.Blob.Type == BlobType.Data).Select(b => b.Blob.Id).ToHashSet();

    public static string Differences(List<string> diffs) => diffs.Count == 0 ? "" : $"{diffs.Count} difference(s):\n  " + string.Join("\n  ", diffs.Take(100));

    /// <summary>Every path in a snapshot tree ("/a/b"), as restic ls prints them (invalid UTF-8 bytes become U+FFFD).</summary>
    public static async Task<List<string>> ListTreeAsync(Repository repo, Id tree, string prefix = "")
    {
        var result = new List<string>();
        foreach (var node in (await repo.LoadTreeAsync(tree, Ct)).Nodes)
        {
            var path = prefix + "/" + GoDisplay(node.Name);
            result.Add(path);
            if (node.Type == NodeType.Dir && node.Subtree is { } sub) result.AddRange(await ListTreeAsync(repo, sub, path));
        }
        return result;
    }

    /// <summary>How Go's JSON encoder shows a byte string: every invalid UTF-8 byte is U+FFFD.</summary>
    public static string GoDisplay(string fsName)
    {
        var bytes = FsNames.ToBytes(fsName);
        var sb = new StringBuilder();
        int i = 0;
        while (i < bytes.Length)
        {
            var status = System.Text.Rune.DecodeFromUtf8(bytes.AsSpan(i), out var rune, out int consumed);
            if (status != System.Buffers.OperationStatus.Done) { sb.Append('\uFFFD'); i += 1; continue; }
            sb.Append(rune.ToString());
            i += consumed;
        }
        return sb.ToString();
    }

    /// <summary>The paths `restic ls --json` lists for a snapshot.</summary>
    public static List<string> ResticLs(Restic restic, string snapshot)
    {
        var r = restic.RunChecked("ls", "--json", snapshot);
        var paths = new List<string>();
        foreach (var line in r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            using var doc = JsonDocument.Parse(line);
            if (doc.RootElement.TryGetProperty("struct_type", out var st) && st.GetString() == "node")
                paths.Add(doc.RootElement.GetProperty("path").GetString()!);
        }
        return paths;
    }

    /// <summary>
    /// "Never wrong bytes": every file of the tree that the restore did not report as failed holds exactly the
    /// bytes of its content blobs (loaded and verified by hash). Returns the files whose blobs cannot be loaded.
    /// </summary>
    public static async Task<List<string>> AssertUnreportedFilesCorrectAsync(Repository repo, Id tree, string directory, RestoreErrors errors)
    {
        var reported = errors.Items.Select(i => i.Path).ToHashSet();
        var unloadable = new List<string>();
        await Walk(tree, directory);
        return unloadable;

        async Task Walk(Id treeId, string dir)
        {
            Tree t;
            try { t = await repo.LoadTreeAsync(treeId, Ct); }
            catch (RepositoryException) { unloadable.Add(dir); return; }
            foreach (var node in t.Nodes)
            {
                var path = FsNames.Join(dir, node.Name);
                if (node.Type == NodeType.Dir && node.Subtree is { } sub) { await Walk(sub, path); continue; }
                if (node.Type != NodeType.File) continue;
                var expected = new MemoryStream();
                bool ok = true;
                foreach (var blob in node.Content ?? [])
                {
                    try { expected.Write(await repo.LoadBlobAsync(BlobType.Data, blob, Ct)); }
                    catch (RepositoryException) { ok = false; break; }
                }
                if (!ok)
                {
                    unloadable.Add(path);
                    Assert.True(reported.Contains(path), $"{path} has a content blob that cannot be loaded, but the restore reported no error for it:\n{errors}");
                    continue;
                }
                if (reported.Contains(path)) continue;
                Assert.True(Posix.TryLStat(path, out _, out _), $"{path} was not restored and no error was reported");
                var actual = ReadFile(path);
                Assert.True(expected.ToArray().AsSpan().SequenceEqual(actual), $"{path}: restored bytes differ from the repository content, and no error was reported");
            }
        }
    }

    public static byte[] ReadFile(string path)
    {
        using var handle = Posix.OpenRead(path);
        var st = Posix.FStat(handle);
        var data = new byte[st.Size];
        int done = 0;
        while (done < data.Length)
        {
            int n = RandomAccess.Read(handle, data.AsSpan(done), done);
            if (n == 0) break;
            done += n;
        }
        return data;
    }

    public static string Sha256Hex(ReadOnlySpan<byte> data) => Convert.ToHexStringLower(SHA256.HashData(data));

    /// <summary>Flips one byte of a repository file (they are stored read-only).</summary>
    public static void FlipByte(string file, long offset)
    {
        File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        using var fs = new FileStream(file, FileMode.Open, FileAccess.ReadWrite);
        fs.Position = offset;
        int b = fs.ReadByte();
        fs.Position = offset;
        fs.WriteByte((byte)(b ^ 0x5A));
    }

    public static string PackPath(string repoPath, Id pack)
    {
        var s = pack.ToString();
        var sharded = Path.Combine(repoPath, "data", s[..2], s);
        return File.Exists(sharded) ? sharded : Path.Combine(repoPath, "data", s);
    }
}
