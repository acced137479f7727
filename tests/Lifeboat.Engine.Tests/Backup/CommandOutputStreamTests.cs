using Lifeboat.Engine.Backup;

namespace Lifeboat.Engine.Tests.Backup;

/// <summary>A command's standard output as a stream: its bytes, its failure at the end, its stderr, and no command left running.</summary>
public sealed class CommandOutputStreamTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<byte[]> ReadAllAsync(Stream stream)
    {
        var copy = new MemoryStream();
        await stream.CopyToAsync(copy, Ct);
        return copy.ToArray();
    }

    [Fact]
    public async Task TheOutput_IsReadWhole_AndANormalExitEndsIt()
    {
        using var stream = CommandOutputStream.Start(["sh", "-c", "head -c 3000000 /dev/zero | tr '\\0' 'x'"]);

        var output = await ReadAllAsync(stream);

        Assert.Equal(3000000, output.Length);
        Assert.All(output, b => Assert.Equal((byte)'x', b));
    }

    [Fact]
    public async Task ANonZeroExit_FailsTheLastRead_WithTheStatusAndTheLastErrorLines()
    {
        var lines = new List<string>();
        using var stream = CommandOutputStream.Start(["sh", "-c", "echo data; echo 'first problem' >&2; echo 'second problem' >&2; exit 3"],
            line => { lock (lines) lines.Add(line); });

        var e = await Assert.ThrowsAsync<SourceFailedException>(() => ReadAllAsync(stream));

        Assert.Equal("command sh failed: exit status 3", e.Message);
        Assert.Equal("first problem\nsecond problem", e.ErrorOutput);
        Assert.Equal(["first problem", "second problem"], lines);
    }

    [Fact]
    public void ACommandThatCannotStart_FailsAtStart()
    {
        var e = Assert.Throws<SourceFailedException>(() => CommandOutputStream.Start(["/nonexistent/lifeboat-no-such-command"]));
        Assert.StartsWith("failed to start command /nonexistent/lifeboat-no-such-command", e.Message);
        Assert.Throws<SourceFailedException>(() => CommandOutputStream.Start([]));
    }

    [Fact]
    public void DisposingBeforeTheEnd_StopsTheCommand()
    {
        var pidFile = Path.Combine(Path.GetTempPath(), $"lifeboat-cmd-{Guid.NewGuid():N}.pid");
        try
        {
            var stream = CommandOutputStream.Start(["sh", "-c", $"echo $$ > {pidFile}; exec yes"]);
            var buffer = new byte[4096];
            Assert.True(stream.Read(buffer) > 0);
            int pid = int.Parse(File.ReadAllText(pidFile).Trim());

            stream.Dispose();

            Assert.False(Directory.Exists($"/proc/{pid}"), $"the command (pid {pid}) still runs after the stream was disposed");
        }
        finally
        {
            File.Delete(pidFile);
        }
    }
}
