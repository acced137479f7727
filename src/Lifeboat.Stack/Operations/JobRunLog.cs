using Lifeboat.Stack.State;
using Microsoft.Data.Sqlite;

namespace Lifeboat.Stack.Operations;

/// <summary>
/// The history of job runs in the state database, one row per run: written when the run starts (so a run that never
/// finished, killed with the machine, still shows) and completed when it ends. The daemon reads it for catch-up
/// (when did this job last start) and the metrics and the dashboard for the last outcome of each job.
/// <paramref name="scope"/> keeps stacks apart on one machine: the absolute path of their lifeboat.yaml. As an event
/// sink it never throws: a record that cannot be written goes to <paramref name="warn"/> and the job goes on.
/// </summary>
public sealed class JobRunLog(StateDatabase database, string scope, Action<string>? warn = null) : IJobEventSink
{
    public string Scope { get; } = scope;

    /// <summary>The apps of a run as one sortable key: sorted, comma-joined; empty for every app.</summary>
    public static string AppsKey(IEnumerable<string> apps) => string.Join(',', apps.Order(StringComparer.Ordinal));

    public Task JobStartedAsync(JobRun run, CancellationToken cancellationToken) =>
        Guarded(() => RecordStart(run), $"the start of the {run.Name} run");

    public Task JobFinishedAsync(JobResult result, CancellationToken cancellationToken) =>
        Guarded(() => RecordFinish(result), $"the end of the {result.Run.Name} run");

    private Task Guarded(Action write, string what)
    {
        try
        {
            write();
        }
        catch (Exception e) when (e is StackException or SqliteException or IOException or UnauthorizedAccessException)
        {
            warn?.Invoke($"could not record {what} in {database.FilePath}: {e.Message}");
        }
        return Task.CompletedTask;
    }

    /// <summary>Records a run as started; throws when the database cannot be written.</summary>
    public void RecordStart(JobRun run)
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT OR REPLACE INTO job_runs (id, job, apps, trigger, scope, started_ms)
            VALUES ($id, $job, $apps, $trigger, $scope, $started)
            """;
        command.Parameters.AddWithValue("$id", run.Id.ToString("N"));
        command.Parameters.AddWithValue("$job", run.Name);
        command.Parameters.AddWithValue("$apps", AppsKey(run.Apps));
        command.Parameters.AddWithValue("$trigger", run.Trigger);
        command.Parameters.AddWithValue("$scope", Scope);
        command.Parameters.AddWithValue("$started", run.StartedAt.ToUnixTimeMilliseconds());
        command.ExecuteNonQuery();
    }

    /// <summary>Records how a run ended; throws when the database cannot be written.</summary>
    public void RecordFinish(JobResult result)
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            UPDATE job_runs SET finished_ms = $finished, outcome = $outcome, exit_code = $exit, summary = $summary
            WHERE id = $id;
            INSERT OR REPLACE INTO job_run_logs (id, log) VALUES ($id, $log);
            """;
        command.Parameters.AddWithValue("$log", result.LogTail);
        command.Parameters.AddWithValue("$id", result.Run.Id.ToString("N"));
        command.Parameters.AddWithValue("$finished", result.FinishedAt.ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("$outcome", result.Outcome.ToString().ToLowerInvariant());
        command.Parameters.AddWithValue("$exit", result.ExitCode);
        command.Parameters.AddWithValue("$summary", result.Summary);
        command.ExecuteNonQuery();
    }

    /// <summary>When the job with exactly these apps last started in this scope, or null if it never ran.</summary>
    public DateTimeOffset? LastStarted(JobKind job, IEnumerable<string> apps)
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT MAX(started_ms) FROM job_runs WHERE scope = $scope AND job = $job AND apps = $apps";
        command.Parameters.AddWithValue("$scope", Scope);
        command.Parameters.AddWithValue("$job", job.ToString().ToLowerInvariant());
        command.Parameters.AddWithValue("$apps", AppsKey(apps));
        return command.ExecuteScalar() is long ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;
    }

    /// <summary>The last lines of a finished run's output (<see cref="JobResult.LogTail"/>); null for a run unknown here, running, or recorded before logs were kept.</summary>
    public string? Log(Guid id)
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT l.log FROM job_run_logs l JOIN job_runs r ON r.id = l.id WHERE r.scope = $scope AND l.id = $id";
        command.Parameters.AddWithValue("$scope", Scope);
        command.Parameters.AddWithValue("$id", id.ToString("N"));
        return command.ExecuteScalar() as string;
    }

    /// <summary>The newest runs of this scope, newest first.</summary>
    public IReadOnlyList<JobRunRecord> Recent(int limit)
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT id, job, apps, trigger, started_ms, finished_ms, outcome, exit_code, summary FROM job_runs
            WHERE scope = $scope ORDER BY started_ms DESC LIMIT $limit
            """;
        command.Parameters.AddWithValue("$scope", Scope);
        command.Parameters.AddWithValue("$limit", limit);
        return ReadRecords(command);
    }

    /// <summary>Per job and apps of this scope, ordered by both: when it last started, its newest finished run, when it last succeeded.</summary>
    public IReadOnlyList<JobRunSummary> Summaries()
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT job, apps, MAX(started_ms), MAX(CASE WHEN outcome = 'success' THEN finished_ms END) FROM job_runs
            WHERE scope = $scope GROUP BY job, apps ORDER BY job, apps
            """;
        command.Parameters.AddWithValue("$scope", Scope);
        var groups = new List<(string Job, string Apps, long Started, long? Success)>();
        using (var reader = command.ExecuteReader())
            while (reader.Read())
                groups.Add((reader.GetString(0), reader.GetString(1), reader.GetInt64(2), reader.IsDBNull(3) ? null : reader.GetInt64(3)));

        using var last = connection.CreateCommand();
        last.CommandText = """
            SELECT id, job, apps, trigger, started_ms, finished_ms, outcome, exit_code, summary FROM job_runs
            WHERE scope = $scope AND job = $job AND apps = $apps AND finished_ms IS NOT NULL ORDER BY finished_ms DESC LIMIT 1
            """;
        last.Parameters.AddWithValue("$scope", Scope);
        var job = last.Parameters.AddWithValue("$job", "");
        var apps = last.Parameters.AddWithValue("$apps", "");
        var summaries = new List<JobRunSummary>();
        foreach (var group in groups)
        {
            job.Value = group.Job;
            apps.Value = group.Apps;
            summaries.Add(new JobRunSummary(group.Job, SplitApps(group.Apps), DateTimeOffset.FromUnixTimeMilliseconds(group.Started),
                ReadRecords(last).SingleOrDefault(), group.Success is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null));
        }
        return summaries;
    }

    private static List<JobRunRecord> ReadRecords(SqliteCommand command)
    {
        using var reader = command.ExecuteReader();
        var records = new List<JobRunRecord>();
        while (reader.Read())
        {
            records.Add(new JobRunRecord(
                Guid.ParseExact(reader.GetString(0), "N"),
                reader.GetString(1),
                SplitApps(reader.GetString(2)),
                reader.GetString(3),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4)),
                reader.IsDBNull(5) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(5)),
                reader.IsDBNull(6) ? null : ParseOutcome(reader.GetString(6)),
                reader.IsDBNull(7) ? null : reader.GetInt32(7),
                reader.IsDBNull(8) ? null : reader.GetString(8)));
        }
        return records;
    }

    private static IReadOnlyList<string> SplitApps(string key) => key.Length == 0 ? [] : key.Split(',');

    private static JobOutcome? ParseOutcome(string text) => text switch
    {
        "success" => JobOutcome.Success,
        "warning" => JobOutcome.Warning,
        "failure" => JobOutcome.Failure,
        _ => null,
    };
}
