using System.Formats.Tar;
using Lifeboat.Engine.Platform;
using Lifeboat.TestSupport;

namespace Lifeboat.Fuzz.Tests.HostileTrees;

/// <summary>
/// The real `lifeboat` binary against a crafted repository (<see cref="HostileRepository"/>): restore never writes
/// outside its target and names every bad node in one line; dump's tar never carries a member that is absolute or climbs
/// out; ls, find, diff and check end (no hang, no crash) with restic's exit codes; check names the damage.
/// </summary>
public sealed class HostileTreeCliTests(HostileRepository repository) : IClassFixture<HostileRepository>
{
    private readonly LifeboatCli _cli = new(repository.Path, HostileRepository.Password);

    private static string Snapshot(string tag) => $"--tag={tag}";

    /// <summary>What every run must show: it ended by itself, no stack trace, no "unexpected" (a bug's one line).</summary>
    private static void EndedClearly(ProcessResult r, params int[] exitCodes)
    {
        Assert.True(exitCodes.Contains(r.ExitCode), $"exit {r.ExitCode}\nstdout: {Truncate(r.Stdout)}\nstderr: {Truncate(r.Stderr)}");
        Assert.DoesNotContain("unexpected", r.Stderr);
        Assert.DoesNotContain("   at ", r.Stderr);
        Assert.DoesNotContain("Stack overflow", r.Stderr);
    }

    private static string Truncate(string s) => s.Length > 4000 ? s[..4000] + "..." : s;

    private (ProcessResult Result, string Target) Restore(string tag)
    {
        var parent = Path.Combine(repository.Work, "restore-" + tag + "-" + Guid.NewGuid().ToString("n")[..8]);
        var target = Path.Combine(parent, "target");
        Directory.CreateDirectory(parent);
        var before = HostileRepository.Inventory(repository.Work, skip: parent);
        var r = _cli.Run("restore", "latest", Snapshot(tag), "--target", target);
        var after = HostileRepository.Inventory(repository.Work, skip: parent);
        var changed = before.Keys.Union(after.Keys).Where(k => before.GetValueOrDefault(k) != after.GetValueOrDefault(k)).ToList();
        Assert.True(changed.Count == 0, $"changed outside the target: {string.Join(", ", changed.Select(k => $"{k}: {before.GetValueOrDefault(k)} -> {after.GetValueOrDefault(k)}"))}");
        Assert.Equal(["target"], Directory.GetFileSystemEntries(parent).Select(Path.GetFileName));
        foreach (var escaped in new[] { "/" + repository.Marker, "/etc/" + repository.Marker, "/tmp/" + repository.Marker, Path.Combine(repository.Work, repository.Marker) })
            Assert.False(Posix.TryLStat(escaped, out _, out _), $"{escaped} was written");
        return (r, target);
    }

    [Fact]
    public void Restore_OfUnsafeNames_WritesNothingOutsideTheTarget_AndNamesEachOne()
    {
        var (r, target) = Restore("names");
        EndedClearly(r, 1);
        foreach (var bad in new[] { "..", "../" + repository.Marker, "a/../../" + repository.Marker, "a/b", "/", "/" + repository.Marker, ".", "" })
            Assert.True(r.Stderr.Contains($"\"{bad}\""), $"unsafe name \"{bad}\" was not named:\n{r.Stderr}");
        Assert.Contains("There were", r.Stderr);
        // what is safe is restored, the newline name as it is, and the directory named like the symlink is a directory
        Assert.Equal(HostileRepository.Payload, File.ReadAllBytes(Path.Combine(target, "ok.txt")));
        Assert.Equal(HostileRepository.Payload, File.ReadAllBytes(Path.Combine(target, "new\nline")));
        Assert.Equal(HostileRepository.Payload, File.ReadAllBytes(Path.Combine(target, "sub", "inner.txt")));
        Assert.True(Posix.TryLStat(Path.Combine(target, "link"), out var link, out _) && link.IsDirectory);
        Assert.Empty(Directory.GetFileSystemEntries(repository.Outside));
    }

    [Fact]
    public void Restore_OfAbsurdSizesAndCounts_EndsWithEachFileRestoredOrNamed()
    {
        var (r, target) = Restore("absurd");
        EndedClearly(r, 0, 1);
        Assert.Equal(HostileRepository.Payload, File.ReadAllBytes(Path.Combine(target, "ok.txt")));
        // a million references to one blob make a file of a million payloads
        Assert.Equal((long)HostileRepository.Payload.Length * HostileRepository.MillionBlobs, new FileInfo(Path.Combine(target, "million-blobs")).Length);
        foreach (var name in new[] { "claims-2^62-bytes", "empty-claims-2^62-bytes", "claims-2^64-1-bytes" })
        {
            var path = Path.Combine(target, name);
            // either refused in a line naming it, or a sparse file that takes no space for the size it claims
            if (r.Stderr.Contains(name)) continue;
            Assert.True(Posix.TryLStat(path, out _, out _), $"{name} neither restored nor named:\n{r.Stderr}");
        }
        Assert.True(new DriveInfo(target).AvailableFreeSpace > 0);
    }

    [Fact]
    public void Restore_OfAChainDeeperThanAnyFileSystem_EndsNamingTheDepth()
    {
        var (r, _) = Restore("deep");
        EndedClearly(r, 1);
        // the file system's limit on a path's length (4096 bytes) comes first, else the walk's own depth limit
        var lines = r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length <= 3 && (r.Stderr.Contains("levels deep") || r.Stderr.Contains("name too long")), Truncate(r.Stderr));
    }

    [Fact]
    public void Restore_OfATreeThatContainsItself_EndsNamingTheTree()
    {
        var (r, target) = Restore("cycle");
        EndedClearly(r, 1);
        Assert.Contains("loop", r.Stderr);
        Assert.Equal(HostileRepository.Payload, File.ReadAllBytes(Path.Combine(target, "ok.txt")));
    }

    [Theory]
    [InlineData("names")]
    [InlineData("absurd")]
    [InlineData("deep")]
    [InlineData("cycle")]
    public void DumpAsTar_NeverCarriesAMemberThatIsAbsoluteOrClimbsOut(string tag)
    {
        var r = _cli.Run("dump", "latest", Snapshot(tag), "/");
        EndedClearly(r, 0, 1);
        using var tar = new TarReader(new MemoryStream(r.StdoutBytes));
        int members = 0;
        try
        {
            while (tar.GetNextEntry() is { } entry)
            {
                members++;
                var name = entry.Name;
                Assert.False(name.StartsWith('/'), $"absolute member \"{name}\"");
                Assert.DoesNotContain("..", name.Split('/'));
                Assert.DoesNotContain('\0', name);
            }
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or ArgumentOutOfRangeException)
        {
            // a dump that stopped at a bad node ends mid-archive (a header may claim a size the archive never got to,
            // more than a MemoryStream can hold); what came before is what matters
            Assert.Equal(1, r.ExitCode);
        }
        if (r.ExitCode != 0) Assert.Single(r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.StartsWith("Fatal:"));
        if (tag == "names") Assert.Contains("unsafe name", r.Stderr);
        Assert.True(members > 0 || r.ExitCode == 1);
    }

    [Fact]
    public void DumpOfANodeNamedDotDot_IsRefused()
    {
        var r = _cli.Run("dump", "latest", Snapshot("names"), "/..");
        EndedClearly(r, 1);
        Assert.Empty(r.StdoutBytes);
    }

    [Theory]
    [InlineData("names")]
    [InlineData("absurd")]
    [InlineData("deep")]
    [InlineData("cycle")]
    public void LsAndFind_End_WithRestic_sExitCodes(string tag)
    {
        EndedClearly(_cli.Run("ls", "latest", Snapshot(tag)), 0, 1);
        EndedClearly(_cli.Run("find", Snapshot(tag), "*"), 0, 1);
    }

    [Fact]
    public void Diff_OfHostileSnapshots_Ends()
    {
        var ids = _cli.RunChecked("snapshots", "--json").Stdout;
        var all = System.Text.Json.JsonDocument.Parse(ids).RootElement.EnumerateArray().Select(s => s.GetProperty("id").GetString()!).ToList();
        for (int i = 0; i < all.Count; i++)
            EndedClearly(_cli.Run("diff", all[i], all[(i + 1) % all.Count]), 0, 1);
    }

    [Fact]
    public void Check_NamesTheDamagedTrees()
    {
        var r = _cli.Run("check");
        EndedClearly(r, 1);
        var output = r.Stdout + r.Stderr;
        Assert.Contains("unsafe name", output);
        Assert.Contains("levels deep", output);
        Assert.Contains("wrong content", output); // the tree stored under an ID that is not its hash
    }
}
