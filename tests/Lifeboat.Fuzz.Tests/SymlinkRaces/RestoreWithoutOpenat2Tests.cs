using Lifeboat.Engine.Platform;
using Lifeboat.Fuzz.Tests.HostileTrees;
using Lifeboat.TestSupport;

namespace Lifeboat.Fuzz.Tests.SymlinkRaces;

/// <summary>
/// Restore works beneath the target with openat2; a kernel older than 5.6 answers ENOSYS, and some container
/// runtimes' seccomp profiles EPERM. The real binary runs here under a seccomp filter that refuses openat2 either way
/// (tools/without-syscall): the restore must fall back to path calls and still be exact, and a symlink already in the
/// target must still be replaced, never followed. (A symlink planted while it runs is the fallback's known narrow race.)
/// </summary>
public sealed class RestoreWithoutOpenat2Tests : IDisposable
{
    private readonly TempDirectory _work = new("lifeboat-no-openat2");

    [Theory]
    [InlineData("ENOSYS")]
    [InlineData("EPERM")]
    public void A_restore_where_openat2_is_refused_is_exact_and_follows_no_symlink(string refusal)
    {
        var source = _work.Combine("src");
        Directory.CreateDirectory(Path.Combine(source, "d0/deeper"));
        Directory.CreateDirectory(Path.Combine(source, "d1"));
        File.WriteAllText(Path.Combine(source, "d0/deeper/a.txt"), "a in d0");
        File.WriteAllText(Path.Combine(source, "d1/f00"), "f00 in d1");
        File.WriteAllText(Path.Combine(source, "d1/f01"), "f01 in d1");
        File.WriteAllBytes(Path.Combine(source, "big.bin"), [.. Enumerable.Range(0, 3_000_000).Select(i => (byte)(i * 7 % 251))]);
        Posix.Symlink("d0/deeper/a.txt", Path.Combine(source, "link"));
        Posix.SetXattr(Path.Combine(source, "d1/f00"), "user.note", "kept"u8);
        Posix.Chmod(Path.Combine(source, "d1"), 0x1E8 /* 0750 */);
        var outside = _work.Combine("outside");
        Directory.CreateDirectory(outside);
        File.WriteAllText(Path.Combine(outside, "sentinel"), "outside\n");
        Posix.Chmod(outside, 0x1ED /* 0755 */);
        var before = HostileRepository.Inventory(outside);

        var cli = new LifeboatCli(_work.Combine("repo"), "password of the fallback test");
        cli.RunChecked("init");
        cli.RunChecked("backup", source);

        // symlinks to the outside where the restore will write a directory and files
        var target = _work.Combine("target");
        var restored = target + source;
        Directory.CreateDirectory(Path.Combine(restored, "d1"));
        Posix.Symlink(outside, Path.Combine(restored, "d0"));
        Posix.Symlink(Path.Combine(outside, "sentinel"), Path.Combine(restored, "d1/f00"));
        Posix.Symlink(outside, Path.Combine(restored, "d1/f01"));

        var restore = new LifeboatCli(_work.Combine("repo"), "password of the fallback test")
            .Through(Path.Combine(Fixtures.RepositoryRoot, "tools/without-syscall"), "openat2", refusal, "--")
            .Run("restore", "latest", "--target", target);
        Assert.True(restore.ExitCode == 0, $"exit {restore.ExitCode}: {restore.Stderr}");

        TreeComparer.AssertSame(source, restored);
        Assert.Equal("kept", System.Text.Encoding.UTF8.GetString(Posix.GetXattr(Path.Combine(restored, "d1/f00"), "user.note")!));
        Assert.Equal(before, HostileRepository.Inventory(outside));
        Assert.Equal(0x1ED, (int)Posix.LStat(outside).Mode & 0xFFF);
    }

    public void Dispose() => _work.Dispose();
}
