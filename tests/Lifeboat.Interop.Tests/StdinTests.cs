using System.Text;
using System.Text.Json;
using Lifeboat.Engine.Backup;
using Lifeboat.Engine.Model;
using Lifeboat.TestSupport;
using static Lifeboat.Interop.Tests.Interop;

namespace Lifeboat.Interop.Tests;

/// <summary>Stream files (restic's --stdin) both ways with the real restic 0.14: the same bytes, the same node, the same chunks.</summary>
public sealed class StdinTests
{
    /// <summary>A text dump of a few megabytes (restic's test helper takes stdin as text), several chunks long.</summary>
    private static string Dump()
    {
        var sb = new StringBuilder();
        var random = new Random(42);
        for (int i = 0; sb.Length < 6 * 1024 * 1024; i++)
            sb.Append("INSERT INTO t VALUES (").Append(i).Append(", '").Append(random.NextInt64().ToString("x16")).Append("', 'é ü ✓');\n");
        return sb.ToString();
    }

    private static StreamSource Source(string path, byte[] data) =>
        new() { Path = path, Open = _ => Task.FromResult<Stream>(new MemoryStream(data, writable: false)) };

    [Fact]
    public async Task LifeboatsStreamFile_ResticDumpsTheSameBytes_AndChecksReadData()
    {
        using var work = new TempDirectory("lifeboat-stdin");
        var repoPath = work.Combine("repo");
        var dump = Encoding.UTF8.GetBytes(Dump());
        await using (var repo = await InitAsync(repoPath, 2))
        {
            var archiver = new Archiver(repo, new BackupOptions { Paths = [], Streams = [Source("db/dump.sql", dump)], Hostname = "h", Tags = ["db"] });
            var result = await archiver.RunAsync(Ct);
            Assert.NotNull(result.SnapshotId);
        }

        using var restic = new Restic(repoPath, Password);
        AssertCheck(restic);
        var dumped = restic.RunChecked("dump", "latest", "/db/dump.sql").StdoutBytes;
        Assert.Equal(Sha256Hex(dump), Sha256Hex(dumped));
        using var snapshots = JsonDocument.Parse(restic.RunChecked("snapshots", "--json").Stdout);
        var snapshot = Assert.Single(snapshots.RootElement.EnumerateArray().ToList());
        Assert.Equal("/db/dump.sql", Assert.Single(snapshot.GetProperty("paths").EnumerateArray().ToList()).GetString());
        Assert.Equal("db", Assert.Single(snapshot.GetProperty("tags").EnumerateArray().ToList()).GetString());
    }

    [Fact]
    public async Task LifeboatsNodes_AreResticsNodes_ButForTheTimes()
    {
        using var work = new TempDirectory("lifeboat-stdin");
        var repoPath = work.Combine("repo");
        var dump = Dump();
        using var restic = new Restic(repoPath, Password);
        restic.Init();
        var r = restic.Run(["backup", "--stdin", "--stdin-filename", "dumps/app.sql", "--host", "h"], stdin: dump);
        Assert.True(r.ExitCode == 0, r.Stderr);

        await using var repo = await OpenAsync(repoPath);
        var theirs = await repo.FindSnapshotAsync("latest", null, Ct);
        var archiver = new Archiver(repo, new BackupOptions { Paths = [], Streams = [Source("dumps/app.sql", Encoding.UTF8.GetBytes(dump))], Hostname = "h" });
        var ours = (await archiver.RunAsync(Ct)).Snapshot;

        Assert.Equal(theirs.Paths, ours.Paths);
        var theirDir = Assert.Single((await repo.LoadTreeAsync(theirs.Tree, Ct)).Nodes);
        var ourDir = Assert.Single((await repo.LoadTreeAsync(ours.Tree, Ct)).Nodes);
        Assert.Equal(WithoutTimes(theirDir, withSubtree: false), WithoutTimes(ourDir, withSubtree: false));
        var theirFile = await repo.FindNodeAsync(theirs.Tree, "/dumps/app.sql", Ct);
        var ourFile = await repo.FindNodeAsync(ours.Tree, "/dumps/app.sql", Ct);
        Assert.True(theirFile!.Content!.Count > 1);
        Assert.Equal(WithoutTimes(theirFile, withSubtree: true), WithoutTimes(ourFile!, withSubtree: true));
        // restic gives the file the snapshot's time
        Assert.Equal(theirs.Time, theirFile.ModTime);
        Assert.Equal(ours.Time, ourFile!.ModTime);
    }

    [Fact]
    public async Task ResticsStdinSnapshot_LifeboatRestoresTheSameBytes()
    {
        using var work = new TempDirectory("lifeboat-stdin");
        var repoPath = work.Combine("repo");
        var dump = Dump();
        using var restic = new Restic(repoPath, Password);
        restic.Init();
        var r = restic.Run(["backup", "--stdin", "--stdin-filename", "app.sql"], stdin: dump);
        Assert.True(r.ExitCode == 0, r.Stderr);

        await using var repo = await OpenAsync(repoPath);
        var snapshot = await repo.FindSnapshotAsync("latest", null, Ct);
        var target = work.Combine("restored");
        var (_, errors) = await RestoreAsync(repo, snapshot.Tree, target);

        Assert.True(errors.Items.IsEmpty, errors.ToString());
        Assert.Equal(Sha256Hex(Encoding.UTF8.GetBytes(dump)), Sha256Hex(ReadFile(Path.Combine(target, "app.sql"))));
    }

    /// <summary>A node's JSON with its times blanked (they are each tool's own now).</summary>
    private static string WithoutTimes(Node node, bool withSubtree)
    {
        var copy = new Node
        {
            Name = node.Name, Type = node.Type, Mode = node.Mode, Uid = node.Uid, Gid = node.Gid, User = node.User, Group = node.Group,
            Inode = node.Inode, DeviceId = node.DeviceId, Size = node.Size, Links = node.Links, Content = node.Content,
            Subtree = withSubtree ? node.Subtree : null, ExtendedAttributes = node.ExtendedAttributes,
        };
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        copy.WriteJson(buffer);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
