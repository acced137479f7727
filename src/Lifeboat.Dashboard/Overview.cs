using System.Text.Json;
using Lifeboat.Engine.Model;
using Lifeboat.Stack;
using Lifeboat.Stack.Configuration;
using Lifeboat.Stack.Containers;
using Lifeboat.Stack.Operations;
using Lifeboat.Stack.Scenarios;
using Lifeboat.Stack.Verification;

namespace Lifeboat.Dashboard;

/// <summary>
/// The overview page's data: per app its last backup run, next scheduled backup, last restore test and containers, each
/// with the doctor's status and words; then the doctor's whole checklist. Read, never written: no lock is taken.
/// </summary>
public sealed class Overview(DashboardSettings settings, TimeProvider time)
{
    public async Task WriteAsync(Utf8JsonWriter w, CancellationToken cancellationToken)
    {
        var now = time.GetLocalNow();
        var report = await new Doctor(new DoctorOptions
        {
            ConfigPath = settings.ConfigPath,
            DefaultHost = settings.DefaultHost,
            Password = config => settings.Access.Password(config),
            OpenBackend = settings.Access.OpenBackend,
            OffsitePassword = config => settings.Access.OffsitePassword(config, config.Offsite!),
            Now = now,
        }).RunAsync(cancellationToken).ConfigureAwait(false);

        w.WriteStartObject();
        w.WriteString("config", settings.ConfigPath);
        JsonResponse.WriteTime(w, "now", now);
        StackConfig? config = null;
        try
        {
            config = StackConfigLoader.Load(settings.ConfigPath, settings.DefaultHost);
        }
        catch (StackException e)
        {
            w.WriteString("configError", e.Message); // the doctor's config item says it too, with the fix
        }
        w.WriteStartArray("apps");
        if (config is not null) await WriteAppsAsync(w, config, report, now, cancellationToken).ConfigureAwait(false);
        w.WriteEndArray();
        w.WriteStartObject("doctor");
        w.WriteString("status", Word(report.Status));
        w.WriteStartArray("items");
        foreach (var item in report.Items) WriteItem(w, item, withSubject: true);
        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private async Task WriteAppsAsync(Utf8JsonWriter w, StackConfig config, DoctorReport report, DateTimeOffset now, CancellationToken cancellationToken)
    {
        // the run history is kept per repository: its ID is needed, and the doctor's repository item says why when it cannot be had
        BackupRunLog? runs = null;
        RestoreTestLog? tests = null;
        IReadOnlyList<Snapshot> snapshots = [];
        try
        {
            await using var repository = await settings.Access.OpenRepositoryAsync(cancellationToken).ConfigureAwait(false);
            runs = new BackupRunLog(repository.Config.Id) { ConfigFile = config.File };
            tests = new RestoreTestLog(repository.Config.Id);
            snapshots = await repository.ListSnapshotsAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
        }
        IContainerControl? docker = null;
        string? dockerUnreachable = null;
        try
        {
            foreach (var app in config.Apps)
            {
                var items = report.Items.Where(i => i.IsPerApp && i.Subject == app.Name).ToList();
                var backupItem = items.FirstOrDefault(i => i.Check == DoctorCheck.Backup);
                var testItem = items.FirstOrDefault(i => i.Check == DoctorCheck.RestoreTest);
                var containersItem = items.FirstOrDefault(i => i.Check == DoctorCheck.Containers);
                w.WriteStartObject();
                w.WriteString("name", app.Name);
                w.WriteString("status", Word(Worst(items)));
                w.WriteNumber("snapshots", snapshots.Count(s => s.HasTag(app.Tag)));

                w.WriteStartObject("backup");
                WriteItemFields(w, backupItem);
                if (Safely(() => runs?.Latest(app.Name)) is { } run)
                {
                    JsonResponse.WriteTime(w, "time", run.Time);
                    w.WriteString("age", DoctorFormat.Age(now - run.Time));
                    w.WriteString("outcome", run.Outcome);
                    if (run.Files is { } files) w.WriteNumber("files", files);
                    if (run.BytesAdded is { } added) w.WriteNumber("bytesAdded", added);
                    if (run.SnapshotId is { } id) w.WriteString("snapshot", id[..Math.Min(8, id.Length)]);
                    if (run.Error is { } error) w.WriteString("error", error);
                }
                else if (snapshots.Where(s => s.HasTag(app.Tag)).MaxBy(s => s.Time.ToDateTimeOffset()) is { } newest)
                {
                    // a snapshot made elsewhere (another machine, restic itself): its time, with no run recorded here
                    JsonResponse.WriteTime(w, "time", newest.Time.ToDateTimeOffset());
                    w.WriteString("age", DoctorFormat.Age(now - newest.Time.ToDateTimeOffset()));
                    w.WriteString("snapshot", newest.Id.ToShortString());
                }
                w.WriteEndObject();

                w.WriteStartObject("nextBackup");
                if (NextBackup(config, app, now) is { } next)
                {
                    JsonResponse.WriteTime(w, "time", next.Time);
                    w.WriteString("in", DoctorFormat.Age(next.Time - now));
                    w.WriteString("job", next.Job);
                }
                else w.WriteString("none", config.Schedule is null ? "no schedule: section in lifeboat.yaml" : "no scheduled backup job names this app");
                w.WriteEndObject();

                w.WriteStartObject("restoreTest");
                WriteItemFields(w, testItem);
                if (Safely(() => tests?.Latest(app.Name)) is { } test)
                {
                    JsonResponse.WriteTime(w, "time", test.Time);
                    w.WriteString("age", DoctorFormat.Age(now - test.Time));
                    w.WriteBoolean("passed", test.Passed);
                    w.WriteNumber("files", test.Files);
                    w.WriteNumber("problemCount", test.ProblemCount);
                }
                w.WriteEndObject();

                w.WriteStartObject("containers");
                WriteItemFields(w, containersItem);
                w.WriteStartArray("items");
                if (app.Containers.Count > 0 && dockerUnreachable is null)
                {
                    var survey = await ContainerSurvey.TakeAsync(() => docker ??= StackServices.ContainerControlFactory(), app.Containers, cancellationToken).ConfigureAwait(false);
                    dockerUnreachable = survey.Unreachable;
                    foreach (var state in survey.States)
                    {
                        w.WriteStartObject();
                        w.WriteString("name", state.Name);
                        w.WriteString("state", !state.Exists ? "missing" : state.Running ? "running" : "stopped");
                        w.WriteEndObject();
                    }
                }
                w.WriteEndArray();
                if (app.Containers.Count > 0 && dockerUnreachable is not null) w.WriteString("unreachable", dockerUnreachable);
                w.WriteEndObject();
                w.WriteEndObject();
            }
        }
        finally
        {
            (docker as IDisposable)?.Dispose();
        }
    }

    /// <summary>The earliest next run of a backup job that covers the app (one naming no apps covers all).</summary>
    public static (DateTimeOffset Time, string Job)? NextBackup(StackConfig config, AppConfig app, DateTimeOffset now)
    {
        if (config.Schedule is not { } schedule) return null;
        (DateTimeOffset, string)? earliest = null;
        foreach (var job in schedule.Jobs.Where(j => j.Kind == JobKind.Backup && (j.Apps.Count == 0 || j.Apps.Contains(app.Name))))
        {
            if (job.NextAfter(now, schedule.TimeZone) is { } due && (earliest is null || due < earliest.Value.Item1))
                earliest = (due.ToOffset(schedule.TimeZone.GetUtcOffset(due)), $"{job.Label} \"{job.Cron}\"");
        }
        return earliest;
    }

    /// <summary>The history cannot be read (a damaged state database): the doctor's item says so; the card shows what it has.</summary>
    private static T? Safely<T>(Func<T?> read) where T : class
    {
        try
        {
            return read();
        }
        catch (Exception e) when (e is StackException or Microsoft.Data.Sqlite.SqliteException or IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static DoctorStatus Worst(IReadOnlyList<DoctorCheck> items) =>
        items.Any(i => i.Status == DoctorStatus.Fail) ? DoctorStatus.Fail
        : items.Any(i => i.Status == DoctorStatus.Warn) ? DoctorStatus.Warn
        : items.Count > 0 && items.All(i => i.Status == DoctorStatus.Skip) ? DoctorStatus.Skip
        : DoctorStatus.Pass;

    private static void WriteItemFields(Utf8JsonWriter w, DoctorCheck? item)
    {
        if (item is null) return;
        w.WriteString("status", Word(item.Status));
        w.WriteString("reason", item.Reason);
        if (item.Fix is { } fix) w.WriteString("fix", fix);
    }

    private static void WriteItem(Utf8JsonWriter w, DoctorCheck item, bool withSubject)
    {
        w.WriteStartObject();
        w.WriteString("check", item.Check);
        if (withSubject) w.WriteString("subject", item.Subject);
        w.WriteString("label", item.IsPerApp ? item.Subject : item.Check);
        WriteItemFields(w, item);
        w.WriteEndObject();
    }

    /// <summary>The CLI's words for a status (doctor's [pass] [warn] [FAIL] [skip]).</summary>
    public static string Word(DoctorStatus status) => status switch
    {
        DoctorStatus.Pass => "pass",
        DoctorStatus.Warn => "warn",
        DoctorStatus.Fail => "fail",
        _ => "skip",
    };
}
