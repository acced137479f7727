using Lifeboat.Engine.Model;
using Lifeboat.Engine.Platform;
using Lifeboat.Engine.Restore;
using Lifeboat.TestSupport;

namespace Lifeboat.Engine.Tests.Restore;

/// <summary>The metadata stage: mode and times (nanoseconds), symlinks left unfollowed, directories after their children.</summary>
public sealed class MetadataWriterTests : IDisposable
{
    private readonly TempDirectory _root = new();
    private readonly ErrorList _reported = new();
    private readonly MetadataWriter _writer;

    public MetadataWriterTests() => _writer = new MetadataWriter(restoreOwnership: false, new ItemFailures(new RestoreStatistics(), _reported));

    public void Dispose() => _root.Dispose();

    private static readonly GoTime Older = GoTime.FromUnix(1_500_000_000, 1);

    private static ItemMetadata Of(uint mode, GoTime modTime, bool symlink = false) => new(symlink, mode, 0, 0, RestoreRepository.AccessTime, modTime, null);

    private static Timespec Time(GoTime t) => new(t.UnixSeconds, t.Nanoseconds);

    [Fact]
    public void AFile_GetsItsModeAndNanosecondTimes()
    {
        var path = _root.Path + "/f";
        File.WriteAllText(path, "x");

        _writer.Apply(path, Of(0x1C9 /* 0711 */, RestoreRepository.ModTime));

        var status = Posix.LStat(path);
        Assert.Equal(0x1C9u, status.Permissions);
        Assert.Equal(Time(RestoreRepository.ModTime), status.ModTime);
        Assert.Equal(Time(RestoreRepository.AccessTime), status.AccessTime);
        Assert.Empty(_reported.Errors);
    }

    [Fact]
    public void ASymlink_GetsItsOwnTimes_AndItsTargetIsLeftAlone()
    {
        var target = _root.Path + "/target";
        File.WriteAllText(target, "x");
        Posix.Chmod(target, 0x180);
        var before = Posix.LStat(target);
        var link = _root.Path + "/link";
        Posix.Symlink("target", link);

        _writer.Apply(link, Of(GoFileMode.Symlink | 0x1FF, RestoreRepository.ModTime, symlink: true));

        Assert.Equal(Time(RestoreRepository.ModTime), Posix.LStat(link).ModTime);
        var after = Posix.LStat(target);
        Assert.Equal(0x180u, after.Permissions);
        Assert.Equal(before.ModTime, after.ModTime);
    }

    [Fact]
    public void Directories_GetTheirMetadataAfterTheirChildren_SoTheirTimesHold()
    {
        var plan = new RestorePlan(_root.Path);
        int outer = plan.AddDirectory(0, "outer");
        int inner = plan.AddDirectory(outer, "inner");
        Directory.CreateDirectory(_root.Path + "/outer/inner");
        plan.Directories[outer].Metadata = Of(GoFileMode.Dir | 0x1ED, Older);
        plan.Directories[inner].Metadata = Of(GoFileMode.Dir | 0x1C0, RestoreRepository.ModTime);
        // as the planner leaves them: children first
        plan.MetadataOrder.AddRange([inner, outer]);

        using (var root = Posix.OpenDirectory(_root.Path)) _writer.ApplyToDirectories(plan, root);

        Assert.Equal(Time(Older), Posix.LStat(_root.Path + "/outer").ModTime);
        Assert.Equal(0x1EDu, Posix.LStat(_root.Path + "/outer").Permissions);
        Assert.Equal(Time(RestoreRepository.ModTime), Posix.LStat(_root.Path + "/outer/inner").ModTime);
        Assert.Equal(0x1C0u, Posix.LStat(_root.Path + "/outer/inner").Permissions);
    }

    [Fact]
    public void ThousandsOfDirectories_GoInParallelByDepth_AndEachGetsItsOwn()
    {
        // enough at each depth for the parallel path: 1,500 bundles, each with Contents/ inside, one of them gone
        var plan = new RestorePlan(_root.Path);
        int library = plan.AddDirectory(0, "library");
        var bundles = new List<int>();
        var contents = new List<int>();
        for (int i = 0; i < 1500; i++)
        {
            int bundle = plan.AddDirectory(library, $"{i:x4}.bundle");
            int inside = plan.AddDirectory(bundle, "Contents");
            if (i != 700) Directory.CreateDirectory($"{_root.Path}/library/{i:x4}.bundle/Contents");
            plan.Directories[bundle].Metadata = Of(GoFileMode.Dir | 0x1ED, GoTime.FromUnix(1_600_000_000 + i, i));
            plan.Directories[inside].Metadata = Of(GoFileMode.Dir | 0x1C0, GoTime.FromUnix(1_700_000_000 + i, 2 * i));
            bundles.Add(bundle);
            contents.Add(inside);
            plan.MetadataOrder.Add(inside);
            plan.MetadataOrder.Add(bundle);
        }
        plan.Directories[library].Metadata = Of(GoFileMode.Dir | 0x1E8 /* 0750 */, Older);
        plan.MetadataOrder.Add(library);

        using (var root = Posix.OpenDirectory(_root.Path)) _writer.ApplyToDirectories(plan, root);

        Assert.Equal(Time(Older), Posix.LStat(_root.Path + "/library").ModTime);
        Assert.Equal(0x1E8u, Posix.LStat(_root.Path + "/library").Permissions);
        for (int i = 0; i < 1500; i++)
        {
            if (i == 700) continue;
            var bundle = Posix.LStat($"{_root.Path}/library/{i:x4}.bundle");
            var inside = Posix.LStat($"{_root.Path}/library/{i:x4}.bundle/Contents");
            Assert.Equal(new Timespec(1_600_000_000 + i, i), bundle.ModTime);
            Assert.Equal(0x1EDu, bundle.Permissions);
            Assert.Equal(new Timespec(1_700_000_000 + i, 2 * i), inside.ModTime);
            Assert.Equal(0x1C0u, inside.Permissions);
        }
        Assert.Equal(2, _reported.Errors.Count);
        Assert.All(_reported.Errors, e => Assert.StartsWith(_root.Path + "/library/02bc.bundle", e));
    }

    [Fact]
    public void AnItemThatIsGone_IsReported_AndTheOthersStillGetTheirs()
    {
        var plan = new RestorePlan(_root.Path);
        int gone = plan.AddDirectory(0, "gone");
        int here = plan.AddDirectory(0, "here");
        Directory.CreateDirectory(_root.Path + "/here");
        plan.Directories[gone].Metadata = Of(GoFileMode.Dir | 0x1ED, Older);
        plan.Directories[here].Metadata = Of(GoFileMode.Dir | 0x1ED, Older);
        plan.MetadataOrder.AddRange([gone, here]);

        using (var root = Posix.OpenDirectory(_root.Path)) _writer.ApplyToDirectories(plan, root);

        Assert.StartsWith(_root.Path + "/gone: ", Assert.Single(_reported.Errors));
        Assert.Equal(Time(Older), Posix.LStat(_root.Path + "/here").ModTime);
    }
}
