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
