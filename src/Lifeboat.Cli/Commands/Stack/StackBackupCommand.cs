using System.Globalization;
using Lifeboat.Cli.Rendering;
using Lifeboat.Engine;
using Lifeboat.Stack.Configuration;
using Lifeboat.Stack.Operations.Metrics;
using Lifeboat.Stack.Scenarios;

namespace Lifeboat.Cli.Commands.Stack;

/// <summary>`lifeboat backup [APP...] [--tag T] [--metrics-file PATH]` in stack mode: one snapshot per app, one summary line per app.</summary>
public static class StackBackupCommand
{
    public static async Task<int> RunAsync(CommandContext ctx, StackConfig config, IReadOnlyList<string> appNames, IReadOnlyList<string> tags, CancellationToken cancellationToken,
        string? metricsFile = null, JobCompletion? job = null)
    {
        var metrics = MetricsFileOption.Collector(config, metricsFile);
        MetricsFileOption.WriteWhenRecorded(ctx, metrics, metricsFile, job);
        var apps = config.SelectApps(appNames);
        // before anything is written: every path of the apps to back up is there
        StackConfigValidator.RequirePathsExist(config, apps);
        var stopLog = await LeftStoppedContainers.RecoverAsync(ctx, apps, cancellationToken);

        await using var repo = await ctx.OpenRepositoryAsync(cancellationToken);
        await using var repoLock = await ctx.LockAsync(repo, exclusive: false, cancellationToken, loadIndex: true);
        var observer = new Observer(ctx);
        var backup = new StackBackup(repo, config, StackServices.ContainerControlFactory, observer)
        {
            RunLog = new BackupRunLog(repo.Config.Id) { ConfigFile = config.File },
            StopLog = stopLog,
            CountAhead = ctx.ShowProgress,
        };
        IReadOnlyList<AppBackupResult> results;
        // one rate for the run: each app's counts and clock start again, and so does the rate with them
        var rate = new ProgressRate();
        using (var progress = new ProgressLine(ctx.ShowProgress, () => backup.Current is { } c
                   ? $"{c.App}: {BackupCommand.StatusText(c.Statistics, c.Clock.Elapsed, rate)}" : ""))
        {
            observer.Progress = progress;
            results = await backup.RunAsync(apps, tags, cancellationToken);
        }
        if (metrics is not null) await metrics.AddRepositoryAsync("primary", repo, cancellationToken);
        bool offsiteFailed = config.Offsite is { } offsite && results.Any(r => r.SnapshotId is not null)
                             && !await CopyOffsiteAsync(ctx, config, offsite, repo, config.Apps, metrics, cancellationToken);
        // a failing hook of the stack's own is shown even with --quiet, as a failing app is
        if (backup.HookFailure is { } hookFailure) ctx.Error.WriteLine($"FAILED: {hookFailure}");
        if (results.Any(r => r.Failed) || offsiteFailed || backup.HookFailure is not null) return ExitCodes.Fatal;
        return results.Any(r => r.IsPartial) ? ExitCodes.PartialBackup : ExitCodes.Ok;
    }

    /// <summary>Copies the run's new snapshots (and any an earlier run could not) to the offsite repository; false on failure.</summary>
    private static async Task<bool> CopyOffsiteAsync(CommandContext ctx, StackConfig config, OffsiteConfig offsite, Engine.Repository.Repository primary,
        IReadOnlyList<AppConfig> apps, MetricsCollector? metrics, CancellationToken cancellationToken)
    {
        try
        {
            await using var target = await ctx.OpenOffsiteRepositoryAsync(config, offsite, cancellationToken);
            await using var targetLock = await ctx.LockAsync(target, exclusive: false, cancellationToken, loadIndex: true);
            var result = await OffsiteCopy.RunAsync(primary, target, apps, cancellationToken);
            if (metrics is not null) await metrics.AddRepositoryAsync("offsite", target, cancellationToken);
            if (ctx.Json)
            {
                JsonOutput.Line(w =>
                {
                    w.WriteStartObject();
                    w.WriteString("message_type", "offsite_summary");
                    w.WriteString("repository", Engine.Storage.BackendFactory.Redact(offsite.Repository));
                    w.WriteNumber("snapshots_copied", result.Copied);
                    w.WriteNumber("snapshots_already_there", result.AlreadyThere);
                    w.WriteNumber("total_duration", result.Duration.TotalSeconds);
                    w.WriteEndObject();
                });
            }
            else if (!ctx.Quiet)
            {
                var seconds = result.Duration.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture);
                ctx.Out.WriteLine($"offsite: {result.Copied} snapshot{(result.Copied == 1 ? "" : "s")} copied to {Engine.Storage.BackendFactory.Redact(offsite.Repository)}, {seconds} s");
            }
            return true;
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            ctx.Error.WriteLine($"offsite: FAILED: {Display.Text(e.Message)} (the snapshots are safe in the primary repository; the next backup run copies them)");
            return false;
        }
    }

    /// <summary>"plex: snapshot 1a2b3c4d, 1234 files, 12.3 MiB added, 4.2 s" or "jellyfin: FAILED: reason".</summary>
    public static string SummaryLine(AppBackupResult r)
    {
        if (r.Failed) return $"{r.App}: FAILED: {r.Error}";
        var seconds = r.Duration.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture);
        var line = $"{r.App}: snapshot {r.SnapshotId?.ToShortString()}, {r.Files} files, {Format.Bytes(r.BytesAdded)} added, {seconds} s";
        if (r.IsPartial) line += $" (PARTIAL: {r.Backup!.Statistics.Errors} items could not be read; the snapshot is tagged {StackBackup.PartialTag})";
        return r.ContainersLeftStopped.Count > 0 ? line + $"; {LeftStopped(r.ContainersLeftStopped)}" : line;
    }

    /// <summary>"container plex was not running and is left stopped", so nobody wonders why the backup did not start it.</summary>
    public static string LeftStopped(IReadOnlyList<string> names) =>
        $"{Lifeboat.Stack.Containers.ContainerSurvey.Containers(names)} {(names.Count == 1 ? "was" : "were")} not running and {(names.Count == 1 ? "is" : "are")} left stopped";

    private sealed class Observer(CommandContext ctx) : IStackBackupObserver
    {
        /// <summary>The live status line, cleared before any other line is written.</summary>
        public ProgressLine? Progress { get; set; }

        public void AppStarting(AppConfig app)
        {
            Progress?.Clear();
            if (ctx.Verbosity > 0) ctx.Info($"{app.Name}: backing up {string.Join(", ", app.Paths)}");
        }

        public void AppEvent(AppConfig app, string message)
        {
            Progress?.Clear();
            ctx.Info($"{app.Name}: {message}");
        }

        public void AppWarning(AppConfig app, string message)
        {
            Progress?.Clear();
            // stderr also with --json and --quiet: the app's summary carries it in "warnings" too
            ctx.Error.WriteLine($"{app.Name}: warning: {Display.Text(message)}");
        }

        public void StackEvent(string message)
        {
            Progress?.Clear();
            ctx.Info(message);
        }

        public void ItemError(AppConfig app, string path, string during, Exception error)
        {
            Progress?.Clear();
            ctx.Error.WriteLine($"{app.Name}: error: {Display.Text(error.Message)}");
        }

        public void AppFinished(AppBackupResult result)
        {
            Progress?.Clear();
            if (ctx.Json)
            {
                JsonOutput.Line(w =>
                {
                    w.WriteStartObject();
                    w.WriteString("message_type", "app_summary");
                    w.WriteString("app", result.App);
                    if (result.SnapshotId is { } id) w.WriteString("snapshot_id", id.ToString());
                    w.WriteNumber("files", result.Files);
                    w.WriteNumber("data_added", result.BytesAdded);
                    w.WriteNumber("total_duration", result.Duration.TotalSeconds);
                    if (result.IsPartial) w.WriteBoolean("partial", true);
                    if (result.Error is { } error) w.WriteString("error", error);
                    if (result.Warnings.Count > 0)
                    {
                        w.WriteStartArray("warnings");
                        foreach (var warning in result.Warnings) w.WriteStringValue(warning);
                        w.WriteEndArray();
                    }
                    if (result.ContainersLeftStopped.Count > 0)
                    {
                        w.WriteStartArray("containers_left_stopped");
                        foreach (var name in result.ContainersLeftStopped) w.WriteStringValue(name);
                        w.WriteEndArray();
                    }
                    w.WriteEndObject();
                });
                return;
            }
            // a failure is shown even with --quiet
            if (result.Failed) ctx.Error.WriteLine(SummaryLine(result));
            else if (!ctx.Quiet) ctx.Out.WriteLine(SummaryLine(result));
        }
    }
}
