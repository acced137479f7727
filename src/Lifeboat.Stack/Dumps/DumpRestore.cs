using Lifeboat.Engine.Backup;
using Lifeboat.Engine.Repository;
using Lifeboat.Stack.Configuration;
using Repo = Lifeboat.Engine.Repository.Repository;

namespace Lifeboat.Stack.Dumps;

/// <summary>
/// Loads dump files of a snapshot back into their databases: each file's content is read from the repository as a
/// stream (one blob at a time: never whole in memory, never a temporary file) and piped into the load program's
/// standard input, on the host or in the entry's container. One failing load is reported with the tool's last lines
/// and the next one is still tried; nothing already restored is undone.
/// </summary>
public sealed class DumpRestore
{
    private readonly Repo _repository;
    private readonly IDumpProcesses _processes;
    private readonly IDumpCommands _commands;
    private readonly Action<string>? _report;

    /// <param name="report">Told what is being loaded, for the user to follow.</param>
    public DumpRestore(Repo repository, IDumpProcesses processes, IDumpCommands commands, Action<string>? report)
    {
        _repository = repository;
        _processes = processes;
        _commands = commands;
        _report = report;
    }

    /// <summary>
    /// How long a database in a container this restore just started again gets to accept connections: its first
    /// attempts fail with "connection refused" or "starting up" while it recovers.
    /// </summary>
    public TimeSpan StartupWait { get; init; } = TimeSpan.FromSeconds(60);

    internal TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(2);

    /// <param name="restartedContainers">Containers the restore just started again: loads into them wait for the server.</param>
    public async Task<IReadOnlyList<DumpLoadResult>> LoadAsync(AppConfig app, IReadOnlyList<DumpLoad> loads, IReadOnlyCollection<string> restartedContainers,
        CancellationToken cancellationToken)
    {
        var results = new List<DumpLoadResult>();
        foreach (var load in loads)
        {
            bool justStarted = load.File.Entry.Container is { } container && restartedContainers.Contains(container);
            results.Add(await LoadOneAsync(app, load, justStarted, cancellationToken).ConfigureAwait(false));
        }
        return results;
    }

    private async Task<DumpLoadResult> LoadOneAsync(AppConfig app, DumpLoad load, bool justStarted, CancellationToken cancellationToken)
    {
        var file = load.File;
        long bytes = (long)file.Node.Size;
        if (file.Format == DumpFileFormat.Command && file.Entry.RestoreCommand is null)
            return new DumpLoadResult
            {
                Load = load, Outcome = DumpLoadOutcome.NotLoadable, Bytes = bytes,
                Message = $"dump {file.Display} is not loaded: its entry has no restore-command, so it cannot be loaded automatically; get it with `lifeboat dump {app.Name} {file.SnapshotPath} > {file.SnapshotPath[(file.SnapshotPath.LastIndexOf('/') + 1)..]}`",
            };
        _report?.Invoke($"loading dump {load.Display}{Where(file.Entry)}");
        var deadline = DateTimeOffset.UtcNow + (justStarted ? StartupWait : TimeSpan.Zero);
        while (true)
        {
            string? failure;
            try
            {
                failure = await RunStepsAsync(load, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is StackException or SourceFailedException or IOException or RepositoryException or InvalidOperationException)
            {
                failure = e.Message;
            }
            if (failure is null) return new DumpLoadResult { Load = load, Outcome = DumpLoadOutcome.Loaded, Bytes = bytes };
            if (DateTimeOffset.UtcNow < deadline && IsNotReady(failure))
            {
                await Task.Delay(RetryDelay, cancellationToken).ConfigureAwait(false);
                continue;
            }
            return new DumpLoadResult
            {
                Load = load, Outcome = DumpLoadOutcome.Failed, Bytes = bytes,
                Message = $"dump {file.Display} could not be loaded into {(load.Database is { } db ? $"database {db}" : file.DatabaseDisplay)}{Where(file.Entry)}: {failure}",
            };
        }
    }

    private Task<string?> RunStepsAsync(DumpLoad load, CancellationToken cancellationToken) =>
        RunStepsAsync(_repository, _processes, _commands, load, cancellationToken);

    /// <summary>Runs the load's programs in turn, the dump (read from the snapshot) fed to its load program; the first failure's description, or null.</summary>
    internal static async Task<string?> RunStepsAsync(Repo repository, IDumpProcesses processes, IDumpCommands commands, DumpLoad load,
        CancellationToken cancellationToken)
    {
        var steps = await commands.LoadAsync(load, cancellationToken).ConfigureAwait(false);
        string? failure;
        try
        {
            failure = await RunAsync(processes, steps.Before, cancellationToken).ConfigureAwait(false);
            if (failure is null)
            {
                // a fresh stream per attempt: the content is read from the repository again rather than kept
                await using var input = new FileContentStream(repository, load.File.Node, load.File.SnapshotPath);
                failure = Failure(steps.Load, await processes.RunWithInputAsync(steps.Load, input, null, cancellationToken).ConfigureAwait(false));
            }
        }
        catch (Exception)
        {
            await CleanUpAsync(processes, steps).ConfigureAwait(false); // interrupted, or the snapshot unreadable
            throw;
        }
        // once the load is in, what follows may already have replaced the target: nothing is cleaned up after it
        if (failure is null) return await RunAsync(processes, steps.After, cancellationToken).ConfigureAwait(false);
        await CleanUpAsync(processes, steps).ConfigureAwait(false);
        return failure;
    }

    private static async Task CleanUpAsync(IDumpProcesses processes, DumpLoadSteps steps)
    {
        if (steps.Cleanup.Count == 0) return;
        try
        {
            await RunAsync(processes, steps.Cleanup, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is StackException or IOException or InvalidOperationException or SourceFailedException)
        {
            // the load's own failure is the news
        }
    }

    /// <summary>Runs each program with its own input; the first failure's description, or null.</summary>
    internal static async Task<string?> RunAsync(IDumpProcesses processes, IReadOnlyList<DumpInvocation> steps, CancellationToken cancellationToken)
    {
        foreach (var step in steps)
            if (Failure(step, await processes.RunWithInputAsync(step, null, null, cancellationToken).ConfigureAwait(false)) is { } failure)
                return failure;
        return null;
    }

    /// <summary>"pg_restore exited with code 1: its last lines" (on one line); null when it succeeded.</summary>
    internal static string? Failure(DumpInvocation step, DumpProcessResult result)
    {
        if (result.Succeeded) return null;
        var lines = result.OutputTail.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).TakeLast(5).ToList();
        return $"{step.Program} exited with code {result.ExitCode}{(lines.Count == 0 ? "" : ": " + string.Join(" | ", lines))}";
    }

    private static string Where(DumpConfig entry) => entry.Container is { } container ? $" in container {container}" : "";

    /// <summary>The server is not up yet (it is starting, or not listening): worth another try while it starts.</summary>
    internal static bool IsNotReady(string failure) =>
        failure.Contains("the database system is starting up", StringComparison.Ordinal)
        || failure.Contains("the database system is not yet accepting connections", StringComparison.Ordinal)
        || failure.Contains("Connection refused", StringComparison.OrdinalIgnoreCase)
        || failure.Contains("No such file or directory", StringComparison.Ordinal) && failure.Contains("socket", StringComparison.OrdinalIgnoreCase)
        || failure.Contains("Can't connect to", StringComparison.Ordinal)
        || failure.Contains("is not running", StringComparison.Ordinal);
}
