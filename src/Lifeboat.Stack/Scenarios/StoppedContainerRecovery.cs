using System.Globalization;
using Lifeboat.Stack.Containers;
using Lifeboat.Stack.State;
using Microsoft.Data.Sqlite;

namespace Lifeboat.Stack.Scenarios;

/// <summary>
/// Starts the containers that a Lifeboat process stopped and never started again because it was killed (SIGKILL, a
/// crash, the machine's OOM killer): the records of <see cref="ContainerStopLog"/> whose process has ended. A live
/// process's records are left alone (its containers are stopped for a reason and it will start them). Run by the
/// daemon at start and after each job, and by every stack command that stops containers, before it does.
/// </summary>
public static class StoppedContainerRecovery
{
    /// <summary>
    /// Starts them on the Docker daemon of <paramref name="containerControl"/> (called only when there is one to
    /// start); returns the one line saying what was done, or null when nothing was left stopped. Never throws but
    /// for cancellation: a container that does not start keeps its record, so the next run tries again.
    /// </summary>
    public static async Task<string?> RunAsync(ContainerStopLog log, Func<IContainerControl> containerControl, CancellationToken cancellationToken)
    {
        List<StoppedContainerRecord> orphaned;
        try
        {
            orphaned = log.List().Where(r => !r.Process.IsRunning()).ToList();
        }
        catch (Exception e) when (e is StackException or SqliteException or IOException or UnauthorizedAccessException)
        {
            return $"could not look for containers left stopped by a killed lifeboat: {e.Message}";
        }
        if (orphaned.Count == 0) return null;

        IContainerControl control;
        try
        {
            control = containerControl();
        }
        catch (ContainerControlException e)
        {
            return $"{Describe(orphaned)}; they cannot be started now: {e.Message}";
        }
        try
        {
            var docker = ContainerStopJournal.DockerKey(control);
            var mine = orphaned.Where(r => r.Docker == docker).ToList();
            if (mine.Count == 0) return null;
            return await StartAsync(log, control, mine, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            (control as IDisposable)?.Dispose();
        }
    }

    private static async Task<string> StartAsync(ContainerStopLog log, IContainerControl control, List<StoppedContainerRecord> records,
        CancellationToken cancellationToken)
    {
        var started = new List<string>();
        var gone = new List<string>();
        var failed = new List<string>();
        var done = new List<long>();
        // newest stop first, as a scope starts its containers in the reverse order of stopping; a container several
        // killed runs left stopped is started once
        foreach (var group in records.GroupBy(r => r.Container, StringComparer.Ordinal).OrderByDescending(g => g.Max(r => r.Id)))
        {
            string name = group.Key;
            // still running: the killed process's stop may be under way in the Docker daemon (it outlives the request),
            // and a start now would do nothing before the stop ends; or the stop was never sent. Waited out either way.
            if (await ExistsAsync(control, name, cancellationToken, running: true).ConfigureAwait(false) == true)
                await ContainerStopScope.WaitOutStopAsync(control, name).ConfigureAwait(false);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(ContainerStopScope.RestartTimeout);
            try
            {
                await control.StartAsync(name, timeout.Token).ConfigureAwait(false);
                started.Add(name);
                done.AddRange(group.Select(r => r.Id));
            }
            catch (Exception e) when (e is ContainerControlException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                if (await ExistsAsync(control, name, cancellationToken).ConfigureAwait(false) == false)
                {
                    gone.Add(name);
                    done.AddRange(group.Select(r => r.Id));
                }
                else
                {
                    failed.Add($"{name}: {(e is OperationCanceledException ? $"no answer within {ContainerStopScope.RestartTimeout.TotalSeconds:0} s" : e.Message)}");
                }
            }
        }
        string? unrecorded = null;
        try
        {
            if (done.Count > 0) log.Remove(done);
        }
        catch (Exception e) when (e is StackException or SqliteException or IOException or UnauthorizedAccessException)
        {
            unrecorded = $"; could not record that in {log.Database.FilePath}: {e.Message}";
        }

        var parts = new List<string>();
        if (started.Count > 0) parts.Add($"started {Containers(started)} again");
        if (gone.Count > 0) parts.Add($"{Containers(gone)} no longer {(gone.Count == 1 ? "exists" : "exist")}");
        if (failed.Count > 0) parts.Add($"could not start {string.Join("; ", failed)} (the next run tries again)");
        return $"{Describe(records)}: {string.Join("; ", parts)}{unrecorded}";
    }

    /// <summary>Whether the container exists (with <paramref name="running"/>: runs); null when Docker cannot say.</summary>
    private static async Task<bool?> ExistsAsync(IContainerControl control, string name, CancellationToken cancellationToken, bool running = false)
    {
        try
        {
            var state = await control.InspectAsync(name, cancellationToken).ConfigureAwait(false);
            return running ? state.Running : state.Exists;
        }
        catch (ContainerControlException)
        {
            return null;
        }
    }

    /// <summary>"container plex (app plex) was left stopped by lifeboat process 1234, which ended before starting it again".</summary>
    private static string Describe(IReadOnlyList<StoppedContainerRecord> records)
    {
        var containers = records.Select(r => r.Container).Distinct(StringComparer.Ordinal).ToList();
        var apps = records.Select(r => r.App).Distinct(StringComparer.Ordinal).ToList();
        var pids = records.Select(r => r.Process.Pid.ToString(CultureInfo.InvariantCulture)).Distinct().ToList();
        bool one = containers.Count == 1;
        return $"{Containers(containers)} ({(apps.Count == 1 ? "app" : "apps")} {string.Join(", ", apps)}) {(one ? "was" : "were")} left stopped by " +
               $"lifeboat {(pids.Count == 1 ? "process" : "processes")} {string.Join(", ", pids)}, which ended before starting {(one ? "it" : "them")} again";
    }

    private static string Containers(IReadOnlyList<string> names) => ContainerSurvey.Containers(names);
}
