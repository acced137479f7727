using Lifeboat.Stack.Configuration;
using Lifeboat.Stack.Hosting;
using Lifeboat.Stack.State;

namespace Lifeboat.Stack.Operations.Metrics;

/// <summary>
/// The daemon's GET /metrics. The repositories' figures (size, packs, snapshots, each app's last backup and restore
/// test) are collected in this process once at start-up and again after every job that changes them, not on every
/// scrape: opening a remote repository and loading its index costs seconds. The queue, the lock waits and the job
/// history are read live at each scrape. A collection that fails keeps the last figures and is logged.
/// </summary>
public sealed class DaemonMetrics(string configPath, StateDatabase database, Func<int> queueLength, Func<long> lockWaits, Action<string> warn)
    : IJobEventSink
{
    // not disposed: a collection still running in the background when the daemon stops must be able to release it
    // (a SemaphoreSlim whose wait handle is never asked for holds nothing to free)
    private readonly SemaphoreSlim _collecting = new(1, 1);
    private volatile IReadOnlyList<RepositoryMetrics> _repositories = [];

    public Task JobStartedAsync(JobRun run, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task JobFinishedAsync(JobResult result, CancellationToken cancellationToken)
    {
        // check changes nothing the metrics show; every other job may (snapshots, sizes, runs, restore tests)
        if (result.Run.Kind != JobKind.Check) _ = CollectAsync(CancellationToken.None);
        return Task.CompletedTask;
    }

    /// <summary>Opens the stack's repositories (without a lock: nothing is written) and takes their figures.</summary>
    public async Task CollectAsync(CancellationToken cancellationToken)
    {
        await _collecting.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var config = StackConfigLoader.Load(configPath);
            var collector = new MetricsCollector(config, database);
            var access = new RepositoryAccess(new RepositoryRequest { StackConfigPath = configPath }, ResticEnvironment.Process) { Warn = warn };
            await using (var primary = await access.OpenRepositoryAsync(cancellationToken).ConfigureAwait(false))
            {
                await primary.LoadIndexAsync(cancellationToken).ConfigureAwait(false);
                await collector.AddRepositoryAsync("primary", primary, cancellationToken).ConfigureAwait(false);
            }
            if (config.Offsite is { } offsite)
            {
                await using var secondary = await access.OpenOffsiteRepositoryAsync(config, offsite, cancellationToken).ConfigureAwait(false);
                await secondary.LoadIndexAsync(cancellationToken).ConfigureAwait(false);
                await collector.AddRepositoryAsync("offsite", secondary, cancellationToken).ConfigureAwait(false);
            }
            _repositories = collector.Collect().Repositories;
            foreach (var problem in collector.Problems) warn($"metrics: {problem}");
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            warn($"metrics: the repositories' figures were not updated: {e.Message}");
        }
        finally
        {
            _collecting.Release();
        }
    }

    /// <summary>The exposition text of this moment.</summary>
    public string Render()
    {
        var repositories = _repositories;
        // the queue and the lock waits belong to the primary repository, the one the daemon's jobs lock
        var primary = repositories.FirstOrDefault(r => r.Name == "primary") ?? new RepositoryMetrics { Name = "primary" };
        var live = primary with { QueuedJobs = queueLength(), LockWaits = lockWaits() };
        IReadOnlyList<JobRunSummary> jobs = [];
        try
        {
            jobs = new JobRunLog(database, configPath).Summaries();
        }
        catch (StackException e)
        {
            warn($"metrics: the job history: {e.Message}");
        }
        return MetricsWriter.Render(new MetricsSnapshot
        {
            Repositories = [live, .. repositories.Where(r => r.Name != "primary")],
            Jobs = jobs,
        });
    }
}
