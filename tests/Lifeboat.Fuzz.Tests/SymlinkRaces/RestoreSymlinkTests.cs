using System.Text;
using Lifeboat.Engine;
using Lifeboat.Engine.Model;
using Lifeboat.Engine.Platform;
using Lifeboat.Engine.Repository;
using Lifeboat.Engine.Restore;
using Lifeboat.Engine.Storage;
using Lifeboat.Fuzz.Tests.HostileTrees;
using Lifeboat.TestSupport;
using Repo = Lifeboat.Engine.Repository.Repository;

namespace Lifeboat.Fuzz.Tests.SymlinkRaces;

/// <summary>
/// Symlinks pointing outside the target: already in it when the restore starts, or planted while it runs (a process
/// that can write the target, such as an app's container, swapping a directory being restored for a symlink). Nothing
/// may be written outside the target, neither content nor metadata.
/// </summary>
public sealed class RestoreSymlinkTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Directories = 8, FilesPerDirectory = 40;
    private static readonly GoTime Time = GoTime.FromUnix(1_600_000_000, 0);
    private readonly TempDirectory _work = new("lifeboat-symlink-race");
    private Repo _repository = null!;
    private Id _root;

    private string Outside => _work.Combine("outside");
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        Directory.CreateDirectory(Outside);
        File.WriteAllText(Path.Combine(Outside, "sentinel"), "outside\n");
        // what a swapped directory would lead a by-path metadata call to: items named as the restored ones
        Directory.CreateDirectory(Path.Combine(Outside, "s"));
        Posix.Symlink("sentinel", Path.Combine(Outside, "s", "link"));
        Posix.MakeNode(Path.Combine(Outside, "s", "pipe"), 0x1000 /* S_IFIFO */ | 0x1A4 /* 0644 */, 0);
        foreach (var item in new[] { "s/link", "s/pipe", "s" })
            Posix.SetTimes(Path.Combine(Outside, item), new Timespec(1_500_000_000, 0), new Timespec(1_500_000_000, 0));
        _repository = await Repo.InitAsync(new MemoryBackend(), "pw", 2, new RepositoryOptions(), (1024, 8, 1), cancellationToken: Ct);
        var top = new List<Node>();
        for (int d = 0; d < Directories; d++)
        {
            var files = new List<Node>();
            for (int f = 0; f < FilesPerDirectory; f++)
            {
                var data = Encoding.UTF8.GetBytes($"directory {d} file {f} " + new string('x', 2000));
                var blob = Id.Hash(data);
                await _repository.SaveBlobAsync(BlobType.Data, blob, data, Ct);
                files.Add(new Node
                {
                    Name = $"f{f:00}", Type = NodeType.File, Mode = 0x1FF /* 0777: a chmod that escaped would show */, Size = (ulong)data.Length, Links = 1,
                    Content = [blob], ModTime = Time, AccessTime = Time, ChangeTime = Time,
                });
            }
            // a symlink and a fifo: their metadata is set after they are created, through a handle of their own
            files.Add(new Node { Name = "link", Type = NodeType.Symlink, LinkTarget = "f00", Mode = 0x080001FF, ModTime = Time, AccessTime = Time, ChangeTime = Time });
            files.Add(new Node { Name = "pipe", Type = NodeType.Fifo, Mode = 0x020001FF /* 0777 */, ModTime = Time, AccessTime = Time, ChangeTime = Time });
            var sub = await _repository.SaveTreeAsync(new Tree(files.OrderBy(n => n.Name, StringComparer.Ordinal).ToList()), Ct);
            var dir = await _repository.SaveTreeAsync(new Tree([Dir("s", sub.Id)]), Ct);
            top.Add(Dir($"d{d}", dir.Id));
        }
        _root = (await _repository.SaveTreeAsync(new Tree(top), Ct)).Id;
        await _repository.FlushAsync(Ct);
    }

    private static Node Dir(string name, Id subtree) => new()
    {
        Name = name, Type = NodeType.Dir, Mode = 0x800001FF, Subtree = subtree, ModTime = Time, AccessTime = Time, ChangeTime = Time,
    };

    public async ValueTask DisposeAsync()
    {
        await _repository.DisposeAsync();
        _work.Dispose();
    }

    private sealed class Errors : IRestoreObserver
    {
        public int Count;
        public void ItemError(string path, Exception error) => Interlocked.Increment(ref Count);
    }

    private async Task<int> RestoreAsync(string target)
    {
        var errors = new Errors();
        await new Restorer(_repository, new RestoreOptions { Target = target }, errors).RunAsync(_root, Ct);
        return errors.Count;
    }

    private void AssertOutsideUntouched(SortedDictionary<string, string> before)
    {
        var after = HostileRepository.Inventory(Outside);
        var changed = before.Keys.Union(after.Keys).Where(k => before.GetValueOrDefault(k) != after.GetValueOrDefault(k)).ToList();
        Assert.True(changed.Count == 0, $"written outside the target: {string.Join(", ", changed.Select(k => $"{k}: {before.GetValueOrDefault(k)} -> {after.GetValueOrDefault(k)}"))}");
        Assert.Equal(0x1ED /* 0755 */, (int)Posix.LStat(Outside).Mode & 0xFFF);
        Assert.Equal(0x1A4 /* 0644 */, (int)Posix.LStat(Path.Combine(Outside, "s", "pipe")).Mode & 0xFFF);
        Assert.Equal(1_500_000_000, Posix.LStat(Path.Combine(Outside, "s", "link")).ModTime.Seconds);
    }

    [Fact]
    public async Task SymlinksAlreadyInTheTarget_AreReplaced_NeverFollowed()
    {
        Posix.Chmod(Outside, 0x1ED);
        var before = HostileRepository.Inventory(Outside);
        var target = _work.Combine("planted/target");
        Directory.CreateDirectory(Path.Combine(target, "d1", "s"));
        Posix.Symlink(Outside, Path.Combine(target, "d0"));                                // a directory to restore
        Posix.Symlink(Outside, Path.Combine(target, "d1", "s", "f00"));                    // a file to restore
        Posix.Symlink(Path.Combine(Outside, "sentinel"), Path.Combine(target, "d1", "s", "f01"));
        Assert.Equal(0, await RestoreAsync(target));
        AssertOutsideUntouched(before);
        Assert.True(Posix.LStat(Path.Combine(target, "d0")).IsDirectory);
        Assert.StartsWith("directory 1 file 0 ", File.ReadAllText(Path.Combine(target, "d1", "s", "f00")));
        Assert.StartsWith("directory 1 file 1 ", File.ReadAllText(Path.Combine(target, "d1", "s", "f01")));
    }

    /// <summary>
    /// A racing thread swaps the restored directories (d*) for symlinks to the outside while the restore runs, round
    /// after round: items may fail (reported), but nothing appears or changes outside.
    /// </summary>
    [Fact]
    public async Task SymlinksPlantedDuringTheRestore_AreNeverFollowed()
    {
        Posix.Chmod(Outside, 0x1ED);
        var before = HostileRepository.Inventory(Outside);
        int rounds = (int)Math.Max(5, 40 * ParserProperty.Scale), swaps = 0, failedItems = 0;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (int round = 0; round < rounds; round++)
        {
            var target = _work.Combine($"race-{round}/target");
            using var stop = new CancellationTokenSource();
            var racer = Task.Factory.StartNew(() =>
            {
                int n = 0;
                while (!stop.IsCancellationRequested)
                {
                    // only the target's own entries: swapping d*/s once d* is a symlink would move the outside itself
                    for (int d = 0; d < Directories; d++)
                        foreach (var victim in new[] { Path.Combine(target, $"d{d}") })
                        {
                            if (!Posix.TryLStat(victim, out var st, out _) || !st.IsDirectory) continue;
                            try
                            {
                                Posix.Rename(victim, $"{victim}.moved-{n++}");
                                Posix.Symlink(Outside, victim);
                                Interlocked.Increment(ref swaps);
                            }
                            catch (PosixException) { /* the restore got there first */ }
                        }
                    Thread.Yield();
                }
            }, TaskCreationOptions.LongRunning);
            try
            {
                failedItems += await RestoreAsync(target);
            }
            finally
            {
                await stop.CancelAsync();
                await racer;
            }
            AssertOutsideUntouched(before);
        }
        output.WriteLine($"{rounds} restores raced by {swaps} directory-to-symlink swaps: {failedItems} items failed (reported), nothing written outside");
        // columns as the parsers': restores run, swaps made, items refused
        ParserProperty.Record("restore raced by symlink swaps", "rounds", rounds, swaps, failedItems, clock.Elapsed.TotalSeconds);
        Assert.True(swaps > 0, "the racer never swapped a directory: the test proved nothing");
    }
}
