using System.CommandLine;
using Lifeboat.Cli.Rendering;
using Lifeboat.Stack;
using Lifeboat.Stack.Operations;
using Lifeboat.Stack.Operations.Notifications;

namespace Lifeboat.Cli;

/// <summary>
/// The jobs a schedule can run (backup, verify, forget, prune, check), run once from the command line with a
/// lifeboat.yaml (cron's way): the run is recorded in the state database's job history as the daemon's are (trigger
/// "cli"), so doctor, the metrics (--metrics-file) and the daemon's catch-up see it; with --notify its start and end
/// also go to the config's notify: targets. A job the daemon started records nothing itself: the daemon does.
/// The command's output is copied into the end's log tail. What an exit code means and the sending are the Stack's.
/// </summary>
public static class NotifyOption
{
    public static Option<bool> Create() => new(Name)
    {
        Description = "with a lifeboat.yaml: report this run's start and end to its notify: targets",
    };

    public const string Name = "--notify";

    /// <summary>Whether the parsed command line asks for --notify (on a command that has it).</summary>
    public static bool Requested(ParseResult parse) =>
        parse.CommandResult.Command.Options.FirstOrDefault(o => o.Name == Name) is Option<bool> option && parse.GetValue(option);

    /// <summary>Runs <paramref name="run"/> (a command body wrapped in <see cref="Program.Run"/>), recording it and notifying when --notify is given.</summary>
    public static async Task<int> RunAsync(GlobalOptions global, ParseResult parse, Option<bool> notify, JobKind kind,
        IReadOnlyList<string> apps, Func<JobCompletion, Task<int>> run)
    {
        var completion = new JobCompletion();
        try
        {
            return await RecordAsync(global, parse, notify, kind, apps, completion, () => run(completion)).ConfigureAwait(false);
        }
        finally
        {
            completion.Complete();
        }
    }

    private static async Task<int> RecordAsync(GlobalOptions global, ParseResult parse, Option<bool> notify, JobKind kind,
        IReadOnlyList<string> apps, JobCompletion completion, Func<Task<int>> run)
    {
        var wantsNotify = parse.GetValue(notify);
        Stack.Configuration.StackConfig? config;
        try
        {
            config = new CommandContext(global, parse).StackConfig;
            completion.StackConfig = (config, true);
        }
        catch (Exception e) when (e is StackException or CliException)
        {
            return await run().ConfigureAwait(false); // the command reports the broken config itself; there is nothing to record or notify with
        }
        if (config is null)
        {
            if (!wantsNotify) return await run().ConfigureAwait(false); // restic mode: no stack, no job history
            Console.Error.WriteLine("Fatal: --notify sends to the notify: targets of a lifeboat.yaml: give --config FILE (and no -r/--repository-file)");
            return ExitCodes.Fatal;
        }
        if (wantsNotify && config.Notify.Count == 0)
            Console.Error.WriteLine($"--notify: {config.File} has no notify: targets; nothing is sent");

        var error = Console.Error;
        void Warn(string line) { lock (error) error.WriteLine(line); }
        using var dispatcher = wantsNotify && config.Notify.Count > 0 ? NotificationDispatcher.FromConfig(config, Warn) : null;
        var sinks = new List<IJobEventSink>();
        if (!DaemonParentWatch.IsDaemonJob)
            sinks.Add(new JobRunLog(new Stack.State.StateDatabase(), Stack.Operations.Metrics.MetricsCollector.JobRunScope(config), Warn));
        if (dispatcher is not null) sinks.Add(dispatcher);
        if (sinks.Count == 0) return await run().ConfigureAwait(false);

        var jobRun = new JobRun(Guid.NewGuid(), kind, apps, "cli", DateTimeOffset.Now);
        foreach (var sink in sinks) await sink.JobStartedAsync(jobRun, CancellationToken.None).ConfigureAwait(false);

        var tail = new LogTailBuffer();
        var (output, errors) = (Console.Out, Console.Error);
        Console.SetOut(new TailTeeWriter(output, tail));
        Console.SetError(new TailTeeWriter(errors, tail));
        int exitCode;
        try
        {
            exitCode = await run().ConfigureAwait(false);
        }
        finally
        {
            Console.Out.Flush();
            Console.SetOut(output);
            Console.SetError(errors);
        }
        var result = RunOutcome.Result(jobRun, exitCode, DateTimeOffset.Now, tail.ToString());
        foreach (var sink in sinks) await sink.JobFinishedAsync(result, CancellationToken.None).ConfigureAwait(false);
        return exitCode;
    }
}
