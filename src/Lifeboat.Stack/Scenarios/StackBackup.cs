using System.Diagnostics;
using System.Text;
using Lifeboat.Engine;
using Lifeboat.Engine.Backup;
using Lifeboat.Engine.Model;
using Lifeboat.Stack.Configuration;
using Lifeboat.Stack.Consistency;
using Lifeboat.Stack.Containers;
using Lifeboat.Stack.Dumps;
using Lifeboat.Stack.Hooks;
using Repo = Lifeboat.Engine.Repository.Repository;

namespace Lifeboat.Stack.Scenarios;

/// <summary>
/// Backs up a stack: one snapshot per app, tagged app:NAME (plus the user's tags), with the config's host, the app's
/// paths, and the app's excludes plus the never paths. An app that fails is reported and the others still run;
/// only cancellation stops the whole run (after the app's containers are running again). A snapshot some of whose
/// items could not be read is tagged <see cref="PartialTag"/>; each app's outcome goes to <see cref="RunLog"/>. The
/// config's backup hooks run around the whole run and around each app (<see cref="StackBackupHooks"/>).
/// </summary>
public sealed class StackBackup
{
    private readonly Repo _repository;
    private readonly StackConfig _config;
    private readonly Lazy<IContainerControl> _containers;
    private readonly IStackBackupObserver? _observer;

    /// <param name="containerControl">Called once, only when an app with containers is backed up (consistency: stop stops them, the other modes only look).</param>
    public StackBackup(Repo repository, StackConfig config, Func<IContainerControl> containerControl, IStackBackupObserver? observer = null)
    {
        _repository = repository;
        _config = config;
        _containers = new Lazy<IContainerControl>(containerControl, LazyThreadSafetyMode.ExecutionAndPublication);
        _observer = observer;
        _dumpProcesses = new Lazy<IDumpProcesses>(() => DumpProcesses?.Invoke()
            ?? new Dumps.DumpProcesses(() => _containers.Value as DockerContainerControl ?? DockerContainerControl.FromEnvironment(), ownsDocker: false));
    }

    private readonly Lazy<IDumpProcesses> _dumpProcesses;

    /// <summary>Runs the dump tools of apps with dumps: (called once, when the first one is backed up); null: host processes and the Docker daemon of the container control.</summary>
    public Func<IDumpProcesses>? DumpProcesses { get; init; }

    /// <summary>The tag of a snapshot that lacks items which could not be read (the run's exit code 3).</summary>
    public const string PartialTag = "partial";

    /// <summary>Counts each app's files and bytes before backing it up, so that a progress line can show totals.</summary>
    public bool CountAhead { get; init; }

    /// <summary>The app being backed up and its live statistics, for a progress line; null between apps.</summary>
    public StackBackupProgress? Current => Volatile.Read(ref _current);

    private StackBackupProgress? _current;

    /// <summary>Where each app's outcome is recorded (the doctor reads it); null records nothing.</summary>
    public BackupRunLog? RunLog { get; init; }

    /// <summary>Where the containers this run stops are recorded until they run again (<see cref="ContainerStopJournal"/>); null records nothing.</summary>
    public State.ContainerStopLog? StopLog { get; init; }

    /// <summary>Where the staging directories for database copies are made.</summary>
    public string StagingParent { get; init; } = DatabaseCopies.DefaultStagingParent;

    /// <summary>Backs up each app in turn; the repository must be open with its index loaded (and locked by the caller).</summary>
    public async Task<IReadOnlyList<AppBackupResult>> RunAsync(IReadOnlyList<AppConfig> apps, IReadOnlyList<string> tags, CancellationToken cancellationToken)
    {
        var history = await _repository.ListSnapshotsAsync(cancellationToken).ConfigureAwait(false);
        var hooks = new StackBackupHooks(_config, apps, (app, message) => _observer?.AppEvent(app, message), message => _observer?.StackEvent(message));
        if (await hooks.BeforeAllAsync(cancellationToken).ConfigureAwait(false) is { } beforeFailure)
        {
            foreach (var app in apps) Record(app, new AppBackupResult { App = app.Name, Error = $"not backed up: {beforeFailure}" });
            await hooks.AfterAllAsync([], beforeFailure, cancellationToken).ConfigureAwait(false);
            throw new StackException($"{beforeFailure}; no app was backed up");
        }
        var results = new List<AppBackupResult>();
        foreach (var app in apps)
        {
            _observer?.AppStarting(app);
            var clock = Stopwatch.StartNew();
            var containers = new ContainerNotes();
            AppBackupResult result;
            try
            {
                result = await hooks.AroundAppAsync(app, async ct =>
                {
                    var backup = await BackupAppAsync(app, tags, FindParent(history, app), containers, ct).ConfigureAwait(false);
                    return new AppBackupResult { App = app.Name, SnapshotId = backup.SnapshotId, Backup = backup };
                }, cancellationToken).ConfigureAwait(false) with { Duration = clock.Elapsed };
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // recorded as failed, so that the doctor names the interrupted run rather than an older success
                Record(app, new AppBackupResult { App = app.Name, Error = "interrupted before its snapshot was saved", Duration = clock.Elapsed });
                await hooks.AfterAllAsync(results, "interrupted", cancellationToken, interrupted: true).ConfigureAwait(false);
                throw;
            }
            result = result with { Warnings = containers.Warnings, ContainersLeftStopped = containers.LeftStopped };
            results.Add(result);
            Record(app, result);
            _observer?.AppFinished(result);
        }
        HookFailure = await hooks.AfterAllAsync(results, null, cancellationToken).ConfigureAwait(false);
        return results;
    }

    /// <summary>After <see cref="RunAsync"/>: the first failure of the stack's own after, on-failure or finally hooks (the run failed); null when none.</summary>
    public string? HookFailure { get; private set; }

    /// <summary>Appends the app's outcome at once, so a later crash keeps it; a state directory that cannot be written does not fail the backup.</summary>
    private void Record(AppConfig app, AppBackupResult result)
    {
        if (RunLog is null) return;
        try
        {
            RunLog.Append([BackupRunRecord.From(result, _config.Host, DateTimeOffset.Now)]);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or StackException)
        {
            _observer?.AppEvent(app, $"could not record this run in {RunLog.FilePath}: {OneLine(e)}");
        }
    }

    private async Task<BackupResult> BackupAppAsync(AppConfig app, IReadOnlyList<string> tags, Id? parent, ContainerNotes containers, CancellationToken cancellationToken)
    {
        // consistency: stop finds its containers itself, and a missing one fails the app before anything is stopped
        if (app.Consistency == ConsistencyMode.Stop)
            return await StoppedContainers.RunAsync(_containers.Value, app.Containers,
                ct => ArchiveAsync(app, tags, parent, null, ct), message => _observer?.AppEvent(app, message), cancellationToken,
                notRunning => containers.LeftStopped = notRunning, Journal(app)).ConfigureAwait(false);
        if (app.Containers.Count > 0) await SurveyContainersAsync(app, containers, cancellationToken).ConfigureAwait(false);
        return app.Consistency == ConsistencyMode.Sqlite
            ? await ArchiveWithDatabaseCopiesAsync(app, tags, parent, cancellationToken).ConfigureAwait(false)
            : await ArchiveAsync(app, tags, parent, null, cancellationToken).ConfigureAwait(false);
    }

    private ContainerStopJournal? Journal(AppConfig app) =>
        StopLog is null ? null : new ContainerStopJournal(StopLog, _containers.Value, app.Name, message => _observer?.AppWarning(app, message));

    /// <summary>
    /// The containers of an app whose backup does not stop them are only looked at: one that Docker does not know is
    /// a mistake in the config the user must hear of (the doctor and rebuild rely on the names), but no reason to
    /// leave the app without its backup.
    /// </summary>
    private async Task SurveyContainersAsync(AppConfig app, ContainerNotes containers, CancellationToken cancellationToken)
    {
        var survey = await ContainerSurvey.TakeAsync(() => _containers.Value, app.Containers, cancellationToken).ConfigureAwait(false);
        if (survey.Unreachable is { } why)
            Warn($"{ContainerSurvey.Containers(app.Containers)} not checked: {why}");
        else if (survey.Missing is { Count: > 0 } missing)
            Warn($"{ContainerSurvey.Containers(missing)} not found: Docker has no container of {(missing.Count == 1 ? "that name" : "those names")}; correct apps.{app.Name}.containers in {_config.File} (docker ps -a lists the containers there are)");
        containers.LeftStopped = survey.Stopped;

        void Warn(string message)
        {
            containers.Warnings.Add(message);
            _observer?.AppWarning(app, message);
        }
    }

    /// <summary>What an app's backup found out about its containers, kept also when the backup then fails.</summary>
    private sealed class ContainerNotes
    {
        public List<string> Warnings { get; } = [];
        public IReadOnlyList<string> LeftStopped { get; set; } = [];
    }

    private async Task<BackupResult> ArchiveWithDatabaseCopiesAsync(AppConfig app, IReadOnlyList<string> tags, Id? parent, CancellationToken cancellationToken)
    {
        var (rules, _) = ExcludesFor(app, null);
        var databases = SqliteDatabaseFinder.Find(app.Paths, rules, cancellationToken);
        using var copies = DatabaseCopies.Create(databases, StagingParent, cancellationToken);
        if (databases.Count > 0)
            _observer?.AppEvent(app, $"copied {databases.Count} SQLite database{(databases.Count == 1 ? "" : "s")} with the online backup API");
        return await ArchiveAsync(app, tags, parent, copies, cancellationToken).ConfigureAwait(false);
    }

    private async Task<BackupResult> ArchiveAsync(AppConfig app, IReadOnlyList<string> tags, Id? parent, DatabaseCopies? copies, CancellationToken cancellationToken)
    {
        var (rules, patterns) = ExcludesFor(app, copies);
        // the dumps run now, with the app's containers as its consistency mode wants them
        var dumps = app.Dumps.Count == 0 ? []
            : await AppDumps.PrepareAsync(app, _dumpProcesses.Value, message => _observer?.AppEvent(app, message), cancellationToken).ConfigureAwait(false);
        var options = new BackupOptions
        {
            Paths = app.Paths,
            Streams = dumps,
            Excludes = rules,
            ExcludePatterns = patterns,
            Tags = [app.Tag, .. tags.Where(t => t != app.Tag).Distinct()],
            TagsIfPartial = [PartialTag],
            Hostname = _config.Host,
            Parent = parent,
            ContentSource = copies is null ? null : copies.ContentSource,
            CountAhead = CountAhead,
        };
        var archiver = new Archiver(_repository, options, new ItemErrors(app, _observer));
        var statistics = new BackupStatistics();
        Volatile.Write(ref _current, new StackBackupProgress(app.Name, statistics, Stopwatch.StartNew()));
        try
        {
            return await archiver.RunAsync(statistics, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Volatile.Write(ref _current, null);
        }
    }

    /// <summary>
    /// The app's patterns as written (restic's semantics) and each never path as an anchored literal pattern; the
    /// live -wal/-shm/-journal files of copied databases are left out too (their content is in the copies), but not
    /// recorded in the snapshot.
    /// </summary>
    private (ExcludeRules Rules, List<string> Recorded) ExcludesFor(AppConfig app, DatabaseCopies? copies)
    {
        var recorded = new List<string>(app.Exclude);
        recorded.AddRange(_config.Never.Select(EscapePattern));
        var rules = new ExcludeRules();
        foreach (var pattern in recorded) rules.AddPattern(pattern);
        if (copies is not null)
            foreach (var sibling in copies.LiveSiblings) rules.AddPattern(EscapePattern(sibling));
        return (rules, recorded);
    }

    /// <summary>A path as a pattern that matches only itself: glob characters escaped as Go's filepath.Match reads them.</summary>
    public static string EscapePattern(string path)
    {
        var sb = new StringBuilder(path.Length);
        foreach (var c in path)
        {
            if (c is '*' or '?' or '[' or ']' or '\\') sb.Append('\\');
            sb.Append(c);
        }
        return sb.ToString();
    }

    /// <summary>The app's newest snapshot of this host with the same paths (its dumps' files among them): its unchanged files are not read again.</summary>
    private Id? FindParent(List<Snapshot> history, AppConfig app)
    {
        var wanted = app.Paths.Concat(AppDumps.SnapshotPaths(app)).Order(StringComparer.Ordinal).ToList();
        return history
            .Where(s => s.HasTag(app.Tag) && s.Hostname == _config.Host && (s.Paths ?? []).Order(StringComparer.Ordinal).SequenceEqual(wanted))
            .Select(s => (Id?)s.Id)
            .LastOrDefault();
    }

    internal static string OneLine(Exception e) =>
        string.Join(' ', e.Message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    private sealed class ItemErrors(AppConfig app, IStackBackupObserver? observer) : IBackupObserver
    {
        public void ItemError(string path, string during, Exception error) => observer?.ItemError(app, path, during, error);
    }
}
