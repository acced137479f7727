using Lifeboat.Engine.Backup;
using Lifeboat.TestSupport;

namespace Lifeboat.Engine.Tests.Backup;

/// <summary>The count ahead for the progress total: directories, files and bytes, what the exclude rules leave out not counted.</summary>
public sealed class ScannerTests : IDisposable
{
    private readonly TempDirectory _dir = new("lifeboat-scanner");

    public ScannerTests()
    {
        Directory.CreateDirectory(_dir.Combine("data/a/deep"));
        Directory.CreateDirectory(_dir.Combine("data/logs.log"));
        File.WriteAllBytes(_dir.Combine("data/a/one"), new byte[10]);
        File.WriteAllBytes(_dir.Combine("data/a/deep/two"), new byte[20]);
        File.WriteAllBytes(_dir.Combine("data/a/app.log"), new byte[300]);
        File.WriteAllBytes(_dir.Combine("data/logs.log/inside"), new byte[4000]);
        File.CreateSymbolicLink(_dir.Combine("data/a/link"), "one");
        // a target that itself matches the exclude pattern below: a target is never excluded
        File.WriteAllBytes(_dir.Combine("extra.log"), new byte[7]);
    }

    public void Dispose() => _dir.Dispose();

    private static BackupStatistics Count(string[] roots, params string[] patterns)
    {
        var rules = new ExcludeRules();
        foreach (var p in patterns) rules.AddPattern(p);
        var statistics = new BackupStatistics();
        Scanner.Count(roots, rules, statistics, TestContext.Current.CancellationToken);
        return statistics;
    }

    [Fact]
    public void CountsDirectoriesFilesAndBytes()
    {
        var s = Count([_dir.Combine("data")]);

        // the link counts as a file without bytes
        Assert.Equal((4L, 5L, 4330L, true), (s.TotalDirectories, s.TotalFiles, s.TotalBytes, s.ScanFinished));
    }

    [Fact]
    public void LeavesOutWhatIsExcluded_ButNeverTheTarget()
    {
        var s = Count([_dir.Combine("data"), _dir.Combine("extra.log")], "*.log");

        Assert.Equal((3L, 4L, 37L), (s.TotalDirectories, s.TotalFiles, s.TotalBytes));
    }

    [Fact]
    public void StopsWhenCancelled()
    {
        var statistics = new BackupStatistics();
        Scanner.Count([_dir.Combine("data")], new ExcludeRules(), statistics, new CancellationToken(canceled: true));

        Assert.Equal((0L, 0L), (statistics.TotalDirectories, statistics.TotalFiles));
    }
}
