using System.CommandLine;
using Lifeboat.Cli.Rendering;
using Lifeboat.Stack;
using Lifeboat.Stack.Operations;
using Lifeboat.Stack.Operations.Notifications;

namespace Lifeboat.Cli;

/// <summary>
/// --notify on the jobs a schedule can run (backup, verify, forget, prune, check): with a lifeboat.yaml, the run's
/// start and end go to its notify: targets as the daemon's would (trigger "cli"), so a cron user is told too. The
/// command's output is copied into the end's log tail. What an exit code means and the sending are the Stack's.
/// </summary>
public static class NotifyOption
{
    public static Option<bool> Create() => new("--notify")
    {
        Description = "with a lifeboat.yaml: report this run's start and end to its notify: targets",
    };

    /// <summary>Runs <paramref name="run"/> (a command body wrapped in <see cref="Program.Run"/>), notifying when --notify is given.</summary>
    public static async Task<int> RunAsync(GlobalOptions global, ParseResult parse, Option<bool> notify, JobKind kind,
        IReadOnlyList<string> apps, Func<Task<int>> run)
    {
        if (!parse.GetValue(notify)) return await run().ConfigureAwait(false);
        Stack.Configuration.StackConfig? config;
        try
        {
            config = new CommandContext(global, parse).StackConfig;
        }
        catch (Exception e) when (e is StackException or CliException)
        {
            return await run().ConfigureAwait(false); // the command reports the broken config itself; there is nothing to notify with
        }
        if (config is null)
        {
            Console.Error.WriteLine("Fatal: --notify sends to the notify: targets of a lifeboat.yaml: give --config FILE (and no -r/--repository-file)");
            return ExitCodes.Fatal;
        }
        if (config.Notify.Count == 0)
        {
            Console.Error.WriteLine($"--notify: {config.File} has no notify: targets; nothing is sent");
            return await run().ConfigureAwait(false);
        }

        var error = Console.Error;
        using var dispatcher = NotificationDispatcher.FromConfig(config, line => { lock (error) error.WriteLine(line); });
        var jobRun = new JobRun(Guid.NewGuid(), kind, apps, "cli", DateTimeOffset.Now);
        await dispatcher.JobStartedAsync(jobRun, CancellationToken.None).ConfigureAwait(false);

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
        await dispatcher.JobFinishedAsync(RunOutcome.Result(jobRun, exitCode, DateTimeOffset.Now, tail.ToString()), CancellationToken.None).ConfigureAwait(false);
        return exitCode;
    }
}
