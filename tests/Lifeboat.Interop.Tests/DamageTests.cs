using System.Diagnostics;
using Lifeboat.Engine;
using Lifeboat.Engine.Platform;
using Lifeboat.Engine.Repository;
using Lifeboat.Engine.Storage;
using Lifeboat.TestSupport;
using static Lifeboat.Interop.Tests.Interop;

namespace Lifeboat.Interop.Tests;

/// <summary>Wrong passwords, missing repositories, damaged packs and indexes, locks held by restic, unreadable sources.</summary>
public sealed class DamageTests
{
    /// <summary>A small Lifeboat repository with one snapshot of a few files; returns the source and the snapshot.</summary>
    private static async Task<(string Source, string Repo, Lifeboat.Engine.Model.Snapshot Snapshot)> MakeRepoAsync(TempDirectory work, int version = 2)
    {
        var source = work.Combine("src");
        Directory.CreateDirectory(source);
        var rnd = new Random(7);
        var big = new byte[3 << 20]; rnd.NextBytes(big);
        var other = new byte[700_000]; rnd.NextBytes(other);
        await File.WriteAllBytesAsync(Path.Combine(source, "big.bin"), big, Ct);
        await File.WriteAllBytesAsync(Path.Combine(source, "other.bin"), other, Ct);
        await File.WriteAllTextAsync(Path.Combine(source, "small.txt"), "small file\n", Ct);
        var repoPath = work.Combine("repo");
        await using var repo = await InitAsync(repoPath, version);
        var result = await BackupAsync(repo, [source]);
        Assert.Equal(0, result.Statistics.Errors);
        return (source, repoPath, result.Snapshot);
    }

    [Fact]
    public async Task WrongPassword_IsReportedAsWrongPassword()
    {
        using var work = new TempDirectory("lifeboat-dmg");
        var repoPath = work.Combine("repo");
        await using (await InitAsync(repoPath, 2)) { }
        var e = await Assert.ThrowsAsync<RepositoryException>(() => OpenAsync(repoPath, "not the password"));
        Assert.Equal(RepositoryErrorKind.WrongPassword, e.Kind);
    }

    [Fact]
    public async Task NotARepository_IsReportedAsNotFound()
    {
        using var work = new TempDirectory("lifeboat-dmg");
        Directory.CreateDirectory(work.Combine("empty"));
        await File.WriteAllTextAsync(work.Combine("empty/readme.txt"), "not a repository", Ct);
        var e = await Assert.ThrowsAsync<RepositoryException>(() => OpenAsync(work.Combine("empty")));
        Assert.Equal(RepositoryErrorKind.NotFound, e.Kind);
        e = await Assert.ThrowsAsync<RepositoryException>(() => OpenAsync(work.Combine("does-not-exist")));
        Assert.Equal(RepositoryErrorKind.NotFound, e.Kind);
    }

    private static async Task<(Id Pack, PackedBlob Blob)> BlobOfAsync(Repository repo, string source, string file)
    {
        var node = await repo.FindNodeAsync((await repo.FindSnapshotAsync("latest", null, Ct)).Tree, source + "/" + file, Ct);
        Assert.NotNull(node);
        var blobId = node!.Content![node.Content.Count / 2];
        Assert.True(repo.Index.TryLookup(BlobType.Data, blobId, out var location));
        return (location.PackId, location.Blob);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(1)]
    public async Task FlippedByteInPack_RestoreReportsFileAndPack_NeverWrongBytes(int version)
    {
        using var work = new TempDirectory("lifeboat-dmg");
        var (source, repoPath, snapshot) = await MakeRepoAsync(work, version);
        Id pack;
        await using (var repo = await OpenAsync(repoPath))
        {
            (pack, var blob) = await BlobOfAsync(repo, source, "big.bin");
            FlipByte(PackPath(repoPath, pack), blob.Offset + blob.Length / 2);
        }
        await using (var repo = await OpenAsync(repoPath))
        {
            var target = work.Combine("restored");
            var (restorer, errors) = await RestoreAsync(repo, snapshot.Tree, target);
            var bigPath = FsNames.Join(target + source, "big.bin");
            Assert.Contains(errors.Items, i => i.Path == bigPath && i.Error.Message.Contains(pack.ToString()));
            Assert.All(errors.Items, i => Assert.Equal(RepositoryErrorKind.Damaged, Assert.IsType<RepositoryException>(i.Error, exactMatch: false).Kind));
            Assert.True(restorer.Statistics.Errors > 0);
            var unloadable = await AssertUnreportedFilesCorrectAsync(repo, snapshot.Tree, target, errors);
            Assert.Contains(bigPath, unloadable);
            // The other files are whole.
            Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(source, "other.bin"), Ct), ReadFile(FsNames.Join(target + source, "other.bin")));

            var e = await Assert.ThrowsAsync<RepositoryException>(async () =>
            {
                var (_, b) = await BlobOfAsync(repo, source, "big.bin");
                await repo.LoadBlobAsync(BlobType.Data, b.Id, Ct);
            });
            Assert.Equal(RepositoryErrorKind.Damaged, e.Kind);
            Assert.Contains(pack.ToString(), e.Message);
        }
        using var restic = new Restic(repoPath, Password);
        Assert.NotEqual(0, restic.Run("check", "--read-data").ExitCode); // restic agrees the pack is damaged
    }

    [Fact]
    public async Task TruncatedPack_RestoreReportsFileAndPack_NeverWrongBytes()
    {
        using var work = new TempDirectory("lifeboat-dmg");
        var (source, repoPath, snapshot) = await MakeRepoAsync(work);
        Id pack;
        await using (var repo = await OpenAsync(repoPath))
        {
            (pack, var blob) = await BlobOfAsync(repo, source, "big.bin");
            var file = PackPath(repoPath, pack);
            File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            using var fs = new FileStream(file, FileMode.Open, FileAccess.ReadWrite);
            fs.SetLength(blob.Offset + blob.Length / 2);
        }
        await using (var repo = await OpenAsync(repoPath))
        {
            var target = work.Combine("restored");
            var (restorer, errors) = await RestoreAsync(repo, snapshot.Tree, target);
            var bigPath = FsNames.Join(target + source, "big.bin");
            Assert.Contains(errors.Items, i => i.Path == bigPath && i.Error.Message.Contains(pack.ToString()));
            Assert.All(errors.Items, i => Assert.Equal(RepositoryErrorKind.Damaged, Assert.IsType<RepositoryException>(i.Error, exactMatch: false).Kind));
            await AssertUnreportedFilesCorrectAsync(repo, snapshot.Tree, target, errors);
        }
    }

    [Fact]
    public async Task FlippedByteInIndex_IsDamagedNamingTheIndex()
    {
        using var work = new TempDirectory("lifeboat-dmg");
        var (_, repoPath, _) = await MakeRepoAsync(work);
        var index = Directory.GetFiles(Path.Combine(repoPath, "index")).Single();
        FlipByte(index, new FileInfo(index).Length / 2);
        await using var repo = await OpenAsync(repoPath, loadIndex: false);
        var e = await Assert.ThrowsAsync<RepositoryException>(() => repo.LoadIndexAsync(Ct));
        Assert.Equal(RepositoryErrorKind.Damaged, e.Kind);
        Assert.Contains(Path.GetFileName(index), e.Message);
    }

    [Fact]
    public async Task LifeboatExclusiveLock_ResticRefuses()
    {
        using var work = new TempDirectory("lifeboat-dmg");
        var (source, repoPath, _) = await MakeRepoAsync(work);
        using var restic = new Restic(repoPath, Password);
        await using (var repo = await OpenAsync(repoPath))
        await using (await RepositoryLock.AcquireAsync(repo, exclusive: true, Ct))
        {
            foreach (var args in new[] { new[] { "backup", source }, new[] { "check" }, new[] { "snapshots" } })
            {
                var r = restic.Run(args);
                Assert.True(r.ExitCode != 0, $"restic {args[0]} ran although Lifeboat holds an exclusive lock");
                Assert.Contains("locked", r.Stderr + r.Stdout);
            }
        }
        Assert.Empty(Directory.GetFiles(Path.Combine(repoPath, "locks")));
        AssertCheck(restic, readData: false);
    }

    [Fact]
    public async Task ResticExclusiveLock_LifeboatRefuses()
    {
        using var work = new TempDirectory("lifeboat-dmg");
        var (_, repoPath, _) = await MakeRepoAsync(work);
        // `restic key passwd` takes the exclusive lock, then waits for the new password on stdin.
        using (var holder = await StartResticHoldingLockAsync(repoPath, "key", "passwd"))
        {
            await using var repo = await OpenAsync(repoPath);
            var e = await Assert.ThrowsAsync<RepositoryException>(() => RepositoryLock.AcquireAsync(repo, exclusive: false, Ct));
            Assert.Equal(RepositoryErrorKind.Locked, e.Kind);
            e = await Assert.ThrowsAsync<RepositoryException>(() => RepositoryLock.AcquireAsync(repo, exclusive: true, Ct));
            Assert.Equal(RepositoryErrorKind.Locked, e.Kind);
            Assert.Contains("exclusive", e.Message);
            // Lifeboat removed its own attempts again: only restic's lock is left.
            Assert.Single(Directory.GetFiles(Path.Combine(repoPath, "locks")));
        }
        // `restic backup --stdin` holds a shared lock while it reads: Lifeboat may share it but not take it exclusively.
        using (var holder = await StartResticHoldingLockAsync(repoPath, "backup", "--stdin"))
        {
            await using var repo = await OpenAsync(repoPath);
            var e = await Assert.ThrowsAsync<RepositoryException>(() => RepositoryLock.AcquireAsync(repo, exclusive: true, Ct));
            Assert.Equal(RepositoryErrorKind.Locked, e.Kind);
            await using (await RepositoryLock.AcquireAsync(repo, exclusive: false, Ct)) { }
        }
    }

    /// <summary>Starts restic with stdin left open and waits until its lock file exists; disposing closes stdin and waits.</summary>
    private static async Task<ResticProcess> StartResticHoldingLockAsync(string repoPath, params string[] args)
    {
        var cache = new TempDirectory("lifeboat-restic-cache");
        var psi = new ProcessStartInfo(Restic.Binary)
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        psi.ArgumentList.Add("--cache-dir");
        psi.ArgumentList.Add(cache.Path);
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["RESTIC_REPOSITORY"] = repoPath;
        psi.Environment["RESTIC_PASSWORD"] = Password;
        var process = Process.Start(psi)!;
        var holder = new ResticProcess(process, cache);
        var locks = Path.Combine(repoPath, "locks");
        var deadline = Stopwatch.StartNew();
        while (Directory.GetFiles(locks).Length == 0)
        {
            if (process.HasExited || deadline.Elapsed > TimeSpan.FromSeconds(30))
            {
                holder.Dispose();
                Assert.Fail($"restic {string.Join(' ', args)} did not take a lock: {process.StandardError.ReadToEnd()}");
            }
            await Task.Delay(50, Ct);
        }
        await Task.Delay(300, Ct); // past restic's own 200 ms re-check
        return holder;
    }

    private sealed class ResticProcess(Process process, TempDirectory cache) : IDisposable
    {
        public void Dispose()
        {
            try { process.StandardInput.Close(); } catch (IOException) { }
            if (!process.WaitForExit(30_000)) process.Kill(entireProcessTree: true);
            process.WaitForExit();
            process.Dispose();
            cache.Dispose();
        }
    }

    [Fact]
    public async Task MissingSources_AllMissingIsFatal_OneMissingIsAnItemError()
    {
        using var work = new TempDirectory("lifeboat-dmg");
        var (source, repoPath, _) = await MakeRepoAsync(work);
        var missing = work.Combine("no-such-path");
        await using var repo = await OpenAsync(repoPath);
        var e = await Assert.ThrowsAsync<RepositoryException>(() => BackupAsync(repo, [missing, missing + "-2"]));
        Assert.Equal(RepositoryErrorKind.Fatal, e.Kind);

        var errors = new BackupErrors();
        var result = await BackupAsync(repo, [source, missing], observer: errors);
        Assert.True(result.Statistics.Errors > 0);
        Assert.True(result.IsPartial);
        Assert.NotNull(result.SnapshotId);
        Assert.Contains(errors.Items, i => i.Path.Contains("no-such-path"));
        using var restic = new Restic(repoPath, Password);
        AssertCheck(restic, readData: false);
        var paths = ResticLs(restic, result.SnapshotId!.Value.ToString());
        Assert.Contains(source + "/big.bin", paths);
    }

    [Fact]
    public async Task UnreadableFile_PartialSnapshotWithTheErrorReported()
    {
        if (Posix.GetUid() != 0) Assert.Skip("needs root: bind-mounts a write-only sysfs file, which even root cannot read");
        // A write-only sysfs attribute cannot be opened for reading, not even by root (kernfs answers EACCES).
        var find = ProcessRunner.Run("find", ["/sys/kernel", "/sys/devices", "-type", "f", "-perm", "0200", "-print", "-quit"]);
        var writeOnly = find.Stdout.Trim();
        if (writeOnly.Length == 0) Assert.Skip("no write-only sysfs file to bind-mount");

        using var work = new TempDirectory("lifeboat-dmg");
        var (source, repoPath, _) = await MakeRepoAsync(work);
        var unreadable = Path.Combine(source, "unreadable");
        await File.WriteAllTextAsync(unreadable, "", Ct);
        var mount = ProcessRunner.Run("mount", ["--bind", writeOnly, unreadable]);
        if (mount.ExitCode != 0) Assert.Skip("cannot bind-mount here: " + mount.Stderr);
        try
        {
            Assert.ThrowsAny<Exception>(() => File.ReadAllBytes(unreadable));
            await using var repo = await OpenAsync(repoPath);
            var errors = new BackupErrors();
            var result = await BackupAsync(repo, [source], observer: errors, force: true);
            Assert.True(result.IsPartial, "reading an unreadable file was not reported");
            Assert.NotNull(result.SnapshotId);
            Assert.Contains(errors.Items, i => i.Path == unreadable);
            using var restic = new Restic(repoPath, Password);
            AssertCheck(restic, readData: false);
            var paths = ResticLs(restic, result.SnapshotId!.Value.ToString());
            Assert.Contains(source + "/big.bin", paths);
            Assert.Contains(source + "/small.txt", paths);
        }
        finally
        {
            ProcessRunner.Run("umount", [unreadable]);
        }
    }
}
