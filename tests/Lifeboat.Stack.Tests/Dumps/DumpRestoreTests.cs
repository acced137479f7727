using Lifeboat.Stack.Configuration;
using Lifeboat.Stack.Dumps;
using Lifeboat.TestSupport;

namespace Lifeboat.Stack.Tests.Dumps;

/// <summary>The load flow on its own, with recorded programs: what each is fed, the wait for a restarted database, the cleanup after a failure.</summary>
public sealed class DumpRestoreTests : IDisposable
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private readonly TempDirectory _temp = new();
    private readonly byte[] _dump = Enumerable.Range(0, 5 << 20).Select(i => (byte)(i ^ i >> 9)).ToArray();

    private static readonly DumpConfig Entry = new() { Kind = DumpKind.Postgres, Name = "postgres", Container = "db", Databases = ["photos"] };

    private async Task<(DumpSnapshot Snapshot, DumpLoad Load)> SnapshotAsync()
    {
        Directory.CreateDirectory(_temp.Combine("srv/app"));
        var app = new AppConfig { Name = "app", Paths = [_temp.Combine("srv/app")], Consistency = ConsistencyMode.None, Dumps = [Entry] };
        var snapshot = await DumpSnapshot.CreateAsync(_temp, app, [DumpSnapshot.Bytes("/lifeboat-dumps/postgres/photos.pgdump", _dump)], Ct);
        var dumps = await SnapshotDumps.FindAsync(snapshot.Repository, app, snapshot.Snapshot, Ct);
        return (snapshot, new DumpLoad(Assert.Single(dumps.Files), null));
    }

    private static DumpInvocation Program(string name, string? input = null) => new() { Argv = [name], Container = "db", Input = input };

    private sealed class Commands : IDumpCommands
    {
        public Task<DumpLoadSteps> LoadAsync(DumpLoad load, CancellationToken cancellationToken) => Task.FromResult(new DumpLoadSteps
        {
            Before = [Program("create", "CREATE")], Load = Program("load"), After = [Program("rename", "RENAME")], Cleanup = [Program("cleanup", "DROP")],
        });
        public Task<IReadOnlyList<DumpInvocation>> RecreateAsync(DumpConfig entry, string database, CancellationToken cancellationToken) => throw new NotSupportedException();
        public Task<DumpInvocation> CountTablesAsync(DumpConfig entry, string database, CancellationToken cancellationToken) => throw new NotSupportedException();
        public Task<DumpInvocation> ArchiveCheckAsync(DumpConfig entry, CancellationToken cancellationToken) => throw new NotSupportedException();
    }

    /// <summary>Records each program and what it read; <see cref="Fail"/> decides a program's exit and output.</summary>
    private sealed class Processes : IDumpProcesses
    {
        public List<(string Program, byte[] Input)> Runs { get; } = [];
        public Func<string, int, (int Exit, string Output)> Fail { get; init; } = (_, _) => (0, "");

        public Task<Stream> OpenOutputAsync(DumpInvocation invocation, Action<string>? errorLine, CancellationToken cancellationToken) => throw new NotSupportedException();

        public async Task<DumpProcessResult> RunWithInputAsync(DumpInvocation invocation, Stream? input, Action<string>? outputLine, CancellationToken cancellationToken)
        {
            var read = new MemoryStream();
            if (input is not null) await input.CopyToAsync(read, cancellationToken);
            else if (invocation.Input is { } text) read.Write(System.Text.Encoding.UTF8.GetBytes(text));
            Runs.Add((invocation.Argv[0], read.ToArray()));
            var (exit, output) = Fail(invocation.Argv[0], Runs.Count(r => r.Program == invocation.Argv[0]));
            return new DumpProcessResult(exit, output);
        }

        public Task<IReadOnlyDictionary<string, string>> ContainerEnvironmentAsync(string container, CancellationToken cancellationToken) => throw new NotSupportedException();
    }

    [Fact]
    public async Task TheDumpIsStreamedFromTheSnapshotIntoTheLoadProgramBetweenItsSteps()
    {
        var (snapshot, load) = await SnapshotAsync();
        await using var _ = snapshot;
        var processes = new Processes();
        var messages = new List<string>();
        var result = Assert.Single(await new DumpRestore(snapshot.Repository, processes, new Commands(), messages.Add).LoadAsync(snapshot.App, [load], [], Ct));
        Assert.Equal(DumpLoadOutcome.Loaded, result.Outcome);
        Assert.Equal(_dump.Length, result.Bytes);
        Assert.Equal(["create", "load", "rename"], processes.Runs.Select(r => r.Program));
        Assert.Equal(_dump, processes.Runs[1].Input);
        Assert.Equal(["loading dump postgres/photos.pgdump (database photos) in container db"], messages);
    }

    [Fact]
    public async Task ALoadIntoAContainerJustStartedAgainWaitsForItsServerOthersFailAtOnceAndCleanUp()
    {
        var (snapshot, load) = await SnapshotAsync();
        await using var _ = snapshot;
        var starting = new Processes { Fail = (program, attempt) => program == "create" && attempt < 3 ? (2, "psql: error: connection to server on socket \"/run/postgresql/.s.PGSQL.5432\" failed: No such file or directory") : (0, "") };
        var restore = new DumpRestore(snapshot.Repository, starting, new Commands(), null) { RetryDelay = TimeSpan.FromMilliseconds(10) };
        Assert.Equal(DumpLoadOutcome.Loaded, Assert.Single(await restore.LoadAsync(snapshot.App, [load], ["db"], Ct)).Outcome);
        Assert.Equal(["create", "cleanup", "create", "cleanup", "create", "load", "rename"], starting.Runs.Select(r => r.Program));
        Assert.Equal(_dump, starting.Runs[5].Input);

        // not restarted by this restore: the first failure is the answer, with the tool's last lines
        var failing = new Processes { Fail = (program, _) => program == "load" ? (1, "pg_restore: error: could not execute query\nERROR:  permission denied for schema public\n") : (0, "") };
        var result = Assert.Single(await new DumpRestore(snapshot.Repository, failing, new Commands(), null).LoadAsync(snapshot.App, [load], [], Ct));
        Assert.Equal(DumpLoadOutcome.Failed, result.Outcome);
        Assert.Equal("dump postgres/photos.pgdump could not be loaded into database photos in container db: load exited with code 1: pg_restore: error: could not execute query | ERROR:  permission denied for schema public", result.Message);
        Assert.Equal(["create", "load", "cleanup"], failing.Runs.Select(r => r.Program));

        // once loaded, a failure of what follows (the rename over the target) leaves what it made: it may be all there is
        var renameFails = new Processes { Fail = (program, _) => program == "rename" ? (1, "ERROR:  database \"photos\" is being accessed by other users") : (0, "") };
        Assert.Equal(DumpLoadOutcome.Failed, Assert.Single(await new DumpRestore(snapshot.Repository, renameFails, new Commands(), null).LoadAsync(snapshot.App, [load], [], Ct)).Outcome);
        Assert.Equal(["create", "load", "rename"], renameFails.Runs.Select(r => r.Program));
    }

    public void Dispose() => _temp.Dispose();
}
