using Lifeboat.Stack.Configuration;
using Lifeboat.Stack.Scenarios;
using Lifeboat.Stack.State;
using Lifeboat.Stack.Verification;
using Repo = Lifeboat.Engine.Repository.Repository;

namespace Lifeboat.Stack.Operations.Metrics;

/// <summary>
/// Fills a <see cref="MetricsSnapshot"/> for a stack from what a run has at hand: each repository it opened (its
/// snapshots, and its loaded index for size and packs) and what this machine recorded in the state database (backup
/// runs, restore tests, job runs). A repository or record that cannot be read is left out and named in
/// <see cref="Problems"/>: metrics never fail the job they describe.
/// </summary>
public sealed class MetricsCollector(StackConfig config, StateDatabase database)
{
    private readonly Lock _lock = new();
    private readonly List<RepositoryMetrics> _repositories = [];
    private readonly List<string> _problems = [];

    /// <summary>What could not be read, one line each.</summary>
    public IReadOnlyList<string> Problems { get { lock (_lock) return _problems.ToList(); } }

    /// <summary>Adds (or replaces) the repository named <paramref name="name"/> ("primary", "offsite"); its index loaded.</summary>
    public async Task AddRepositoryAsync(string name, Repo repository, CancellationToken cancellationToken)
    {
        RepositoryMetrics metrics;
        try
        {
            var snapshots = await repository.ListSnapshotsAsync(cancellationToken).ConfigureAwait(false);
            var (packs, bytes) = repository.Index.PackTotals();
            var runs = new BackupRunLog(repository.Config.Id, database) { ConfigFile = config.File };
            var tests = new RestoreTestLog(repository.Config.Id, database);
            metrics = new RepositoryMetrics
            {
                Name = name,
                Id = repository.Config.Id,
                SizeBytes = bytes,
                Packs = packs,
                Snapshots = snapshots.Count,
                Apps = config.Apps.Select(app => new AppMetrics
                {
                    App = app.Name,
                    Snapshots = snapshots.Count(s => s.HasTag(app.Tag) && s.Hostname == config.Host),
                    LastBackup = runs.Latest(app.Name),
                    LastSuccess = runs.LatestSuccess(app.Name)?.Time,
                    LastRestoreTest = tests.Latest(app.Name),
                }).ToList(),
            };
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            lock (_lock) _problems.Add($"the {name} repository: {e.Message}");
            return;
        }
        lock (_lock)
        {
            _repositories.RemoveAll(r => r.Name == name);
            _repositories.Add(metrics);
        }
    }

    /// <summary>The repositories added so far and the stack's jobs from the run history.</summary>
    public MetricsSnapshot Collect()
    {
        IReadOnlyList<JobRunSummary> jobs = [];
        try
        {
            jobs = new JobRunLog(database, JobRunScope(config)).Summaries();
        }
        catch (StackException e)
        {
            lock (_lock) _problems.Add($"the job history: {e.Message}");
        }
        lock (_lock) return new MetricsSnapshot { Repositories = _repositories.ToList(), Jobs = jobs };
    }

    /// <summary>Renders <see cref="Collect"/> into a node-exporter textfile, atomically; IO errors are thrown.</summary>
    public void WriteTextFile(string path) => MetricsTextFile.Write(path, MetricsWriter.Render(Collect()));

    /// <summary>The scope of a stack's runs in <see cref="JobRunLog"/>: the absolute path of its lifeboat.yaml.</summary>
    public static string JobRunScope(StackConfig config) => Path.GetFullPath(config.File);
}
