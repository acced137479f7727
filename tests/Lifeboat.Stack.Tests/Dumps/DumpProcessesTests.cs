using System.Security.Cryptography;
using System.Text;
using Lifeboat.Engine.Backup;
using Lifeboat.Stack.Containers;
using Lifeboat.Stack.Dumps;
using Lifeboat.TestSupport;

namespace Lifeboat.Stack.Tests.Dumps;

/// <summary>The dump programs run for real: on the host, and inside a busybox container of a private dockerd through exec.</summary>
[Collection(DockerCollection.Name)]
public sealed class DumpProcessesTests(DockerDaemonFixture fixture) : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly List<string> _containers = [];
    private DumpProcesses? _processes;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A known stream of <paramref name="bytes"/> bytes, and the shell command that prints it (busybox and the host's coreutils alike).</summary>
    private static (byte[] Expected, string Script) KnownStream(int bytes)
    {
        var line = Encoding.ASCII.GetBytes("lifeboat dump line\n");
        var expected = new byte[bytes];
        for (int i = 0; i < bytes; i++) expected[i] = line[i % line.Length];
        return (expected, $"yes 'lifeboat dump line' | head -c {bytes}");
    }

    private static async Task<byte[]> ReadAllAsync(Stream stream)
    {
        await using (stream)
        {
            var copy = new MemoryStream();
            await stream.CopyToAsync(copy, Ct);
            return copy.ToArray();
        }
    }

    private DumpProcesses Docker()
    {
        var daemon = fixture.Daemon;
        return _processes ??= new DumpProcesses(() => new DockerContainerControl(daemon.SocketUri), ownsDocker: true);
    }

    private string RunContainer(params string[] environment)
    {
        var daemon = fixture.Daemon;
        daemon.EnsureBusyboxImage();
        var name = DockerDaemonFixture.UniqueName("dump");
        var args = new List<string> { "run", "-d", "--network", "none", "--name", name };
        foreach (var variable in environment) args.AddRange(["-e", variable]);
        args.AddRange([DockerDaemon.DefaultImage, "sh", "-c", "while true; do sleep 1; done"]);
        daemon.RunDocker([.. args]);
        _containers.Add(name);
        return name;
    }

    [Fact]
    public async Task OnTheHostTheOutputIsTheProgramsStandardOutputAndTheEnvironmentReachesIt()
    {
        var (expected, script) = KnownStream(3_000_000);
        var processes = new DumpProcesses(() => throw new InvalidOperationException("no docker on the host path"), ownsDocker: false);
        Assert.Equal(expected, await ReadAllAsync(await processes.OpenOutputAsync(new DumpInvocation { Argv = ["sh", "-c", script] }, null, Ct)));

        var secret = new DumpInvocation { Argv = ["sh", "-c", "printf %s \"$PGPASSWORD\""], Environment = new Dictionary<string, string> { ["PGPASSWORD"] = "s3cret" } };
        Assert.Equal("s3cret", Encoding.UTF8.GetString(await ReadAllAsync(await processes.OpenOutputAsync(secret, null, Ct))));
    }

    [Fact]
    public async Task OnTheHostAFailingProgramFailsAtTheEndWithItsStandardError()
    {
        var processes = new DumpProcesses(() => throw new InvalidOperationException(), ownsDocker: false);
        var lines = new List<string>();
        var stream = await processes.OpenOutputAsync(new DumpInvocation { Argv = ["sh", "-c", "echo partial; echo 'pg_dump: error: connection failed' >&2; exit 1"] }, lines.Add, Ct);
        var failure = await Assert.ThrowsAsync<SourceFailedException>(() => ReadAllAsync(stream));
        Assert.Contains("exit status 1", failure.Message);
        Assert.Equal("pg_dump: error: connection failed", failure.ErrorOutput);
        Assert.Equal(["pg_dump: error: connection failed"], lines);

        var missing = await Assert.ThrowsAsync<SourceFailedException>(() => processes.OpenOutputAsync(new DumpInvocation { Argv = ["lifeboat-no-such-tool"] }, null, Ct));
        Assert.Contains("lifeboat-no-such-tool", missing.Message);
    }

    [Fact]
    public async Task OnTheHostAProgramGetsItsInputAndTellsHowItEnded()
    {
        var processes = new DumpProcesses(() => throw new InvalidOperationException(), ownsDocker: false);
        var target = _temp.Combine("loaded");
        var input = RandomNumberGenerator.GetBytes(5_000_000);
        var result = await processes.RunWithInputAsync(new DumpInvocation { Argv = ["sh", "-c", $"cat > {target}; echo loaded; echo note >&2"] }, new MemoryStream(input), null, Ct);
        Assert.True(result.Succeeded, result.OutputTail);
        Assert.Equal(input, File.ReadAllBytes(target));
        Assert.Contains("loaded", result.OutputTail);
        Assert.Contains("note", result.OutputTail);

        // a program that stops reading and fails: its exit code, not a broken pipe
        var failed = await processes.RunWithInputAsync(new DumpInvocation { Argv = ["sh", "-c", "echo 'ERROR 1049: unknown database' >&2; exit 1"] }, new MemoryStream(input), null, Ct);
        Assert.Equal(1, failed.ExitCode);
        Assert.Equal("ERROR 1049: unknown database", failed.OutputTail);

        // no stream: the invocation's own input
        var script = await processes.RunWithInputAsync(new DumpInvocation { Argv = ["cat"], Input = "CREATE DATABASE x;\n" }, null, null, Ct);
        Assert.Equal("CREATE DATABASE x;", script.OutputTail);
    }

    [Fact]
    public async Task InAContainerTheOutputIsTheExecsStandardOutputAndItsStandardErrorIsKeptApart()
    {
        var container = RunContainer();
        var (expected, script) = KnownStream(3_000_000);
        var lines = new List<string>();
        var invocation = new DumpInvocation { Argv = ["sh", "-c", $"echo starting >&2; {script}; echo done >&2"], Container = container };
        Assert.Equal(expected, await ReadAllAsync(await Docker().OpenOutputAsync(invocation, lines.Add, Ct)));
        Assert.Equal(["starting", "done"], lines);

        var secret = new DumpInvocation { Argv = ["sh", "-c", "printf %s \"$MYSQL_PWD\""], Environment = new Dictionary<string, string> { ["MYSQL_PWD"] = "s3cret" }, Container = container };
        Assert.Equal("s3cret", Encoding.UTF8.GetString(await ReadAllAsync(await Docker().OpenOutputAsync(secret, null, Ct))));
    }

    [Fact]
    public async Task InAContainerAFailingProgramFailsAtTheEndWithItsStandardError()
    {
        var container = RunContainer();
        var invocation = new DumpInvocation { Argv = ["sh", "-c", "echo some; echo 'redis-cli: cannot connect' >&2; exit 3"], Container = container };
        var stream = await Docker().OpenOutputAsync(invocation, null, Ct);
        var failure = await Assert.ThrowsAsync<SourceFailedException>(() => ReadAllAsync(stream));
        Assert.Equal("command sh failed: exit status 3", failure.Message);
        Assert.Equal("redis-cli: cannot connect", failure.ErrorOutput);

        // a program the container does not have
        var missing = await Docker().OpenOutputAsync(new DumpInvocation { Argv = ["pg_dump", "x"], Container = container }, null, Ct);
        var notFound = await Assert.ThrowsAsync<SourceFailedException>(() => ReadAllAsync(missing));
        Assert.Contains("exit status 12", notFound.Message); // 126 or 127
        // Docker's reason, which it writes to the output, is what the user reads
        Assert.Contains("pg_dump", notFound.ErrorOutput);
        Assert.Contains("not found", notFound.ErrorOutput);
    }

    [Fact]
    public async Task AMissingOrStoppedContainerIsNamed()
    {
        var missing = await Assert.ThrowsAsync<SourceFailedException>(() =>
            Docker().OpenOutputAsync(new DumpInvocation { Argv = ["true"], Container = "lb-no-such-container" }, null, Ct));
        Assert.Equal("container lb-no-such-container does not exist (docker ps -a lists the containers there are)", missing.Message);

        var container = RunContainer();
        fixture.Daemon.RunDocker("stop", "-t", "0", container);
        var stopped = await Assert.ThrowsAsync<SourceFailedException>(() =>
            Docker().OpenOutputAsync(new DumpInvocation { Argv = ["true"], Container = container }, null, Ct));
        Assert.Contains($"container {container}", stopped.Message);
        Assert.Contains("not running", stopped.Message);
    }

    [Fact]
    public async Task InAContainerAProgramGetsItsInputAndTellsHowItEnded()
    {
        var container = RunContainer();
        var input = RandomNumberGenerator.GetBytes(4_000_000);
        var lines = new List<string>();
        var result = await Docker().RunWithInputAsync(new DumpInvocation { Argv = ["sh", "-c", "cat > /tmp/loaded; wc -c < /tmp/loaded; md5sum < /tmp/loaded"], Container = container },
            new MemoryStream(input), lines.Add, Ct);
        Assert.True(result.Succeeded, result.OutputTail);
        Assert.Equal(input.Length.ToString(), lines[0].Trim());
        Assert.StartsWith(Convert.ToHexStringLower(MD5.HashData(input)), lines[1]);

        var failed = await Docker().RunWithInputAsync(new DumpInvocation { Argv = ["sh", "-c", "head -c 10 > /dev/null; echo 'load failed' >&2; exit 4"], Container = container },
            new MemoryStream(input), null, Ct);
        Assert.Equal(4, failed.ExitCode);
        Assert.Equal("load failed", failed.OutputTail);
    }

    [Fact]
    public async Task TheContainersEnvironmentIsItsConfig()
    {
        var container = RunContainer("POSTGRES_PASSWORD=pw=with=equals", "POSTGRES_USER=immich");
        var environment = await Docker().ContainerEnvironmentAsync(container, Ct);
        Assert.Equal("pw=with=equals", environment["POSTGRES_PASSWORD"]);
        Assert.Equal("immich", environment["POSTGRES_USER"]);

        var missing = await Assert.ThrowsAsync<SourceFailedException>(() => Docker().ContainerEnvironmentAsync("lb-no-such-container", Ct));
        Assert.StartsWith("container lb-no-such-container does not exist", missing.Message);
    }

    public void Dispose()
    {
        _processes?.Dispose();
        if (_containers.Count > 0) fixture.Daemon.TryRunDocker(["rm", "-f", .. _containers]);
        _temp.Dispose();
    }
}
