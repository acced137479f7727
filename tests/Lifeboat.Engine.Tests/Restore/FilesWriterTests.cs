using System.Text;
using Lifeboat.Engine.Model;
using Lifeboat.Engine.Platform;
using Lifeboat.Engine.Restore;
using Lifeboat.TestSupport;

namespace Lifeboat.Engine.Tests.Restore;

/// <summary>The files writer: blobs in any order at their offsets, holes, metadata after the last blob, failed files.</summary>
public sealed class FilesWriterTests : IDisposable
{
    private readonly TempDirectory _root = new();
    private readonly RestorePlan _plan;
    private readonly RestoreStatistics _statistics = new();
    private readonly ErrorList _reported = new();
    private readonly FilesWriter _writer;
    private readonly Microsoft.Win32.SafeHandles.SafeFileHandle _rootHandle;

    public FilesWriterTests()
    {
        _plan = new RestorePlan(_root.Path);
        var failures = new ItemFailures(_statistics, _reported);
        _rootHandle = Posix.OpenDirectory(_root.Path);
        _writer = new FilesWriter(_plan, _rootHandle, new MetadataWriter(restoreOwnership: false, failures), failures, _statistics);
    }

    public void Dispose()
    {
        _rootHandle.Dispose();
        _root.Dispose();
    }

    private static readonly ItemMetadata Metadata = new(false, 0x1E4 /* 0744 */, 0, 0, RestoreRepository.AccessTime, RestoreRepository.ModTime, null);

    private int AddFile(string name, long size, int blobs) =>
        _plan.Files.Add(new PlannedFile { Dir = 0, Name = name, Size = size, Remaining = blobs, Metadata = Metadata });

    private static Timespec Time(GoTime t) => new(t.UnixSeconds, t.Nanoseconds);

    [Fact]
    public void BlobsArrivingInAnyOrder_LandAtTheirOffsets_AndTheLastOneAppliesTheMetadata()
    {
        int file = AddFile("f", 12, 3);
        var path = _root.Path + "/f";

        _writer.Write(file, "late"u8, 8);
        Assert.Equal(12, Posix.LStat(path).Size); // created at its full size by the first blob
        _writer.Write(file, "head"u8, 0);
        Assert.Equal(0, _statistics.FilesDone);
        Assert.NotEqual(0x1E4u, Posix.LStat(path).Permissions); // not yet: one blob is still to come
        _writer.Write(file, "midl"u8, 4);

        // stat first: reading moves the access time
        var status = Posix.LStat(path);
        Assert.Equal("headmidllate", File.ReadAllText(path));
        Assert.Equal(0x1E4u, status.Permissions);
        Assert.Equal(Time(RestoreRepository.ModTime), status.ModTime);
        Assert.Equal(Time(RestoreRepository.AccessTime), status.AccessTime);
        Assert.Equal(1, _statistics.FilesDone);
        Assert.Equal(12, _statistics.BytesDone);
        Assert.Null(_plan.Files[file].Handle);
        Assert.Empty(_reported.Errors);
    }

    [Fact]
    public void AFileOfOneBlob_IsSizedByItsWrite_AndReplacesWhatWasThere()
    {
        // most small files: one blob is the whole file, written without sizing the file first
        File.WriteAllText(_root.Path + "/one", "a much longer old content than the new one");
        int file = AddFile("one", 5, 1);

        _writer.Write(file, "fresh"u8, 0);

        Assert.Equal("fresh", File.ReadAllText(_root.Path + "/one"));
        Assert.Equal(0x1E4u, Posix.LStat(_root.Path + "/one").Permissions);
        Assert.Empty(_reported.Errors);
    }

    [Fact]
    public void Sparse_AFileOfOneBlobOfZeros_IsAHoleOfItsFullSize()
    {
        using var rootHandle = Posix.OpenDirectory(_root.Path);
        var failures = new ItemFailures(_statistics, _reported);
        var sparse = new FilesWriter(_plan, rootHandle, new MetadataWriter(restoreOwnership: false, failures), failures, _statistics, sparse: true);
        int file = AddFile("zeros", 64 * 1024, 1);

        sparse.Write(file, new byte[64 * 1024], 0);

        var bytes = File.ReadAllBytes(_root.Path + "/zeros");
        Assert.Equal(64 * 1024, bytes.Length);
        Assert.All(bytes, b => Assert.Equal(0, b));
        Assert.Empty(_reported.Errors);
    }

    [Fact]
    public void WhatNoBlobCovers_StaysAHoleOfZeros()
    {
        int file = AddFile("sparse", 1 << 20, 1);

        _writer.Write(file, "end"u8, (1 << 20) - 3);

        var bytes = File.ReadAllBytes(_root.Path + "/sparse");
        Assert.Equal(1 << 20, bytes.Length);
        Assert.All(bytes[..^3], b => Assert.Equal(0, b));
        Assert.Equal("end", Encoding.ASCII.GetString(bytes[^3..]));
    }

    [Fact]
    public void AFailedFile_IsReportedOnce_TakesNoMoreWrites_AndGetsNoMetadata()
    {
        int file = AddFile("partial", 8, 3);
        var path = _root.Path + "/partial";

        _writer.Write(file, "good"u8, 0);
        _writer.Fail(file, new InvalidDataException("blob does not verify"));
        _writer.Fail(file, new InvalidDataException("again"));

        var error = Assert.Single(_reported.Errors);
        Assert.Equal(path + ": blob does not verify", error);
        Assert.Equal(1, _statistics.Errors);
        // the partial file stays for the user to see, without the snapshot's mode or times
        Assert.Equal("good\0\0\0\0", File.ReadAllText(path));
        Assert.NotEqual(Time(RestoreRepository.ModTime), Posix.LStat(path).ModTime);
        Assert.Equal(1, _statistics.FilesDone);
    }

    [Fact]
    public void HardLinks_PointAtTheirCompleteOriginal_AndALinkToAFailedFileIsAFailure()
    {
        int good = AddFile("good", 4, 1);
        int bad = AddFile("bad", 4, 1);
        _plan.Links.Add((0, "good-link", good));
        _plan.Links.Add((0, "bad-link", bad));
        _writer.Write(good, "data"u8, 0);
        _writer.Fail(bad, new InvalidDataException("pack is missing"));

        _writer.CreateHardLinks();

        Assert.Equal(Posix.LStat(_root.Path + "/good").Inode, Posix.LStat(_root.Path + "/good-link").Inode);
        Assert.False(Posix.TryLStat(_root.Path + "/bad-link", out _, out _));
        Assert.Contains(_reported.Errors, e => e.StartsWith(_root.Path + "/bad-link: not restored: it is a hard link to " + _root.Path + "/bad", StringComparison.Ordinal));
    }

    [Fact]
    public void AFileThatCannotBeCreated_IsReportedWithItsPath()
    {
        int dir = _plan.AddDirectory(0, "missing-dir");
        int file = _plan.Files.Add(new PlannedFile { Dir = dir, Name = "f", Size = 4, Remaining = 1, Metadata = Metadata });

        _writer.Write(file, "data"u8, 0);

        Assert.StartsWith(_root.Path + "/missing-dir/f: ", Assert.Single(_reported.Errors));
        Assert.True(_plan.Files[file].Failed);
    }
}
