using System.CommandLine;
using Lifeboat.Cli.Commands;
using Lifeboat.Engine.Platform;
using Lifeboat.Engine.Repository;

namespace Lifeboat.Cli;

public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        // the host's decision, not the engine's: enough pool threads for the backup's walkers blocked in system calls
        ThreadPool.GetMinThreads(out int workers, out int completionPorts);
        if (workers < Engine.Backup.Archiver.RecommendedMinThreads)
            ThreadPool.SetMinThreads(Engine.Backup.Archiver.RecommendedMinThreads, completionPorts);
        Stack.Operations.DaemonParentWatch.StartIfDaemonJob(Console.Error);
        var global = new GlobalOptions();
        var root = new RootCommand("""
            Lifeboat backs up the state of self-hosted applications into restic repositories, encrypted and deduplicated, and restores it.

            Stack mode: with a lifeboat.yaml (--config FILE, $LIFEBOAT_CONFIG, or ./lifeboat.yaml) and no repository given
            (-r, --repository-file, $RESTIC_REPOSITORY), commands take app names and use the config's repository and
            password; otherwise every command is restic's. `lifeboat COMMAND --help` shows both forms.
            """);
        global.AddTo(root);
        foreach (var command in new ICommandFactory[]
                 {
                     new InitCommand(), new BackupCommand(), new SnapshotsCommand(), new LsCommand(), new RestoreCommand(),
                     new DumpCommand(), new CatCommand(), new ListCommand(), new CheckCommand(), new RebuildIndexCommand(), new RepairCommand(), new RecoverCommand(),
                     new ForgetCommand(), new PruneCommand(), new TagCommand(), new RewriteCommand(), new CacheCommand(),
                     new UnlockCommand(), new KeyCommand(), new DiffCommand(), new FindCommand(), new StatsCommand(), new CopyCommand(),
                     new VersionCommand(), new GenerateCommand(), new DemoCommand(),
                     new Commands.Stack.StackRebuildCommand(), new Commands.Stack.StackUpgradeCommand(), new Commands.Stack.StackRollbackCommand(),
                     new Commands.Stack.StackVerifyCommand(),
                     new Commands.Stack.StackDoctorCommand(),
                     new DaemonCommand(), new ScheduleCommand(), new DashboardCommand(),
                 })
            root.Subcommands.Add(command.Create(global));

        var parse = root.Parse(args);
        JsonErrors = parse.GetValue(global.Json);
        // Ctrl-C and SIGTERM cancel the command's token; the command then cleans up (unfinished packs are
        // discarded, locks removed) and we exit with 130. Give it time to do so.
        // The daemon and the dashboard handle their signals themselves: each gives its running job its own grace period,
        // then exits 0; their handlers are in place before they listen.
        // With --notify, the end of an interrupted run is still delivered: the clean-up's time plus the longest delivery.
        var invocation = new InvocationConfiguration { ProcessTerminationTimeout = null };
        if (parse.CommandResult.Command.Name is DaemonCommand.Name or DashboardCommand.Name)
            return await parse.InvokeAsync(invocation).ConfigureAwait(false);
        var cleanup = TimeSpan.FromSeconds(30);
        if (NotifyOption.Requested(parse)) cleanup += new Stack.Operations.Notifications.NotificationPolicy().MaxDeliveryTime;
        using var signals = new TerminationSignals(cleanup);
        return await signals.RunAsync(token => parse.InvokeAsync(invocation, token)).ConfigureAwait(false);
    }

    /// <summary>With --json, fatal errors are restic 0.17's exit_error line rather than text.</summary>
    private static bool JsonErrors { get; set; }

    /// <summary>Runs a command body and turns every error a user can cause into one line and restic's exit code.</summary>
    public static async Task<int> Run(Func<Task<int>> body, CancellationToken cancellationToken)
    {
        try
        {
            return await body().ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Console.Error.WriteLine("signal interrupt received, cleaning up");
            return ExitCodes.Interrupted;
        }
        catch (CliException e)
        {
            return Fatal(e.Message, e.ExitCode);
        }
        catch (Stack.StackException e)
        {
            return Fatal(e.Message, ExitCodes.Fatal);
        }
        catch (RepositoryException e)
        {
            return Fatal(e.Message, e.Kind switch
            {
                RepositoryErrorKind.NotFound => ExitCodes.NoRepository,
                RepositoryErrorKind.WrongPassword => ExitCodes.WrongPassword,
                RepositoryErrorKind.Locked => ExitCodes.LockFailed,
                _ => ExitCodes.Fatal,
            });
        }
        catch (PosixException e)
        {
            return Fatal(e.Errno == Errno.ENOSPC ? $"{e.Message}: free some space and run again" : e.Message, ExitCodes.Fatal);
        }
        catch (IOException e)
        {
            return Fatal(e.Message, ExitCodes.Fatal);
        }
        catch (UnauthorizedAccessException e)
        {
            return Fatal(e.Message, ExitCodes.Fatal);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A bug, or a resource the machine ran out of: still one line for the user; the trace on request.
            int code = Fatal($"unexpected {e.GetType().Name}: {e.Message} (set LIFEBOAT_DEBUG=1 for details, and please report it)", ExitCodes.Fatal);
            if (Environment.GetEnvironmentVariable("LIFEBOAT_DEBUG") is "1") Console.Error.WriteLine(e);
            return code;
        }
    }

    /// <summary>
    /// The error that ends the command, on stderr: "Fatal: message", or with --json restic 0.17's
    /// {"message_type":"exit_error","code":…,"message":"Fatal: …"}. Returns <paramref name="code"/>.
    /// </summary>
    private static int Fatal(string message, int code)
    {
        if (!JsonErrors)
        {
            Console.Error.WriteLine($"Fatal: {message}");
            return code;
        }
        Rendering.JsonOutput.ErrorLine(w =>
        {
            w.WriteStartObject();
            w.WriteString("message_type", "exit_error");
            w.WriteNumber("code", code);
            w.WriteString("message", $"Fatal: {message}");
            w.WriteEndObject();
        });
        return code;
    }
}
