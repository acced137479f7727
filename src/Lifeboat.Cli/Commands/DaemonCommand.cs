using System.CommandLine;
using System.Net;
using System.Runtime.InteropServices;
using Lifeboat.Stack;
using Lifeboat.Stack.Configuration;
using Lifeboat.Stack.Operations;
using Lifeboat.Stack.Operations.Metrics;
using Lifeboat.Stack.Operations.Notifications;
using Lifeboat.Stack.Scenarios;
using Lifeboat.Stack.State;

namespace Lifeboat.Cli.Commands;

/// <summary>
/// `lifeboat daemon`: runs lifeboat.yaml's schedule: until SIGTERM or SIGINT (exit 0 once the running job has stopped
/// cleanly); SIGHUP re-reads the file. Serves GET /healthz, GET /metrics and the dashboard on --listen. The scheduling is <see cref="JobDaemon"/>'s;
/// this parses options, wires the sinks and signals, and renders the log.
/// </summary>
public sealed class DaemonCommand : ICommandFactory
{
    public const string Name = "daemon";
    public static readonly TimeSpan DefaultGrace = TimeSpan.FromSeconds(60);

    public Command Create(GlobalOptions global)
    {
        var listen = new Option<string>("--listen") { Description = "address and port of the HTTP endpoints (/healthz, /metrics), or \"off\"", DefaultValueFactory = _ => "127.0.0.1:8420" };
        var grace = new Option<string>("--grace") { Description = "how long a running job may take to stop cleanly after SIGTERM before it is killed, e.g. 60s or 5m", DefaultValueFactory = _ => "60s" };
        var command = new Command(Name, "With a lifeboat.yaml: run its schedule: (backup, forget, prune, check, verify) until stopped; one log line per job start and end") { listen, grace };
        command.SetAction((parse, ct) => Program.Run(async () =>
        {
            var ctx = new CommandContext(global, parse);
            if (ctx.RepositoryGiven)
                throw new CliException("daemon runs a stack's schedule and takes its repository from lifeboat.yaml: leave out -r/--repository-file and unset RESTIC_REPOSITORY(_FILE)");
            var located = ctx.LocateStackConfig()
                ?? throw new CliException("daemon needs a lifeboat.yaml with a schedule: section: give --config FILE, set LIFEBOAT_CONFIG, or run it where lifeboat.yaml is");
            var configPath = Path.GetFullPath(located);
            var schedule = LoadSchedule(configPath);
            var endpoint = ParseListen(parse.GetValue(listen)!);
            var graceTime = ParseGrace(parse.GetValue(grace)!);
            return await RunAsync(configPath, schedule, endpoint, graceTime, ctx.Json, ctx.Access);
        }, ct));
        return command;
    }

    /// <summary>The file's schedule, or an error when the file is invalid or has none.</summary>
    public static ScheduleConfig LoadSchedule(string configPath)
    {
        var config = StackConfigLoader.Load(configPath);
        if (config.Schedule is not { Jobs.Count: > 0 } schedule)
            throw new CliException($"{configPath} has no schedule: section with a job; add one, e.g. schedule: {{ backup: \"0 3 * * *\" }}");
        return schedule;
    }

    private static async Task<int> RunAsync(string configPath, ScheduleConfig schedule, IPEndPoint? listen, TimeSpan grace, bool json, Lifeboat.Stack.Hosting.RepositoryAccess access)
    {
        var log = new DaemonLogLines(Console.Out, json);
        var database = new StateDatabase();
        var history = new JobRunLog(database, configPath, log.Warn);
        using var notifications = new ReloadableNotifications(StackConfigLoader.Load(configPath), log.Warn);
        var stopLog = new ContainerStopLog(database);
        var executor = new ChildProcessJobExecutor(Environment.ProcessPath ?? throw new CliException("cannot tell where the lifeboat binary is"), configPath, log, grace)
        {
            StopLog = stopLog,
        };
        JobDaemon? daemon = null;
        var metrics = new DaemonMetrics(configPath, database, () => daemon?.Status().Queued.Count ?? 0, () => executor.LockWaits, log.Warn);
        // every job's start and end, in this order: the log line, the run history, notifications, metrics, the dashboard's pages
        var dashboardJobs = new Lifeboat.Dashboard.DashboardJobs();
        IJobEventSink[] sinks = [log, history, notifications, metrics, dashboardJobs];
        daemon = new JobDaemon(schedule, executor, sinks, history, log);
        dashboardJobs.Enqueue = daemon.Enqueue;
        dashboardJobs.History = history;
        executor.OutputLine = dashboardJobs.Output;

        void Reload(PosixSignalContext signal)
        {
            signal.Cancel = true;
            try
            {
                var fresh = LoadSchedule(configPath);
                daemon.Reload(fresh);
                notifications.Replace(StackConfigLoader.Load(configPath));
                log.Info($"received SIGHUP; reloaded {configPath}: {Describe(fresh)}");
            }
            catch (Exception e) when (e is StackException or CliException)
            {
                log.Warn($"received SIGHUP; {configPath} was not reloaded, the old schedule stays: {e.Message}");
            }
        }
        using var stop = new ServerStopSignals(signal =>
            log.Info($"received {signal}; stopping (a running job gets up to {ChildProcessJobExecutor.Format(grace)} to stop cleanly)"));
        using var hangup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, Reload);

        DaemonHttpServer? server = null;
        if (listen is not null)
        {
            // the dashboard beside the endpoints where its rules allow; where not, the endpoints alone, as before it existed
            Action<Microsoft.AspNetCore.Builder.WebApplication>? dashboard = null;
            System.Security.Cryptography.X509Certificates.X509Certificate2? certificate = null;
            try
            {
                (dashboard, certificate) = DashboardCommand.Prepare(StackConfigLoader.Load(configPath), listen, access, dashboardJobs);
            }
            catch (CliException e)
            {
                log.Warn($"the dashboard is not served ({e.Message}); /healthz and /metrics are");
            }
            server = await DaemonHttpServer.StartAsync(listen,
            [
                new DaemonEndpoint("/healthz", "application/json", _ => Task.FromResult(daemon.Status().ToJson())),
                new DaemonEndpoint("/metrics", MetricsWriter.ContentType, _ => Task.FromResult(metrics.Render())),
            ], CancellationToken.None, dashboard, certificate);
            log.Info($"listening on {server.Address}");
        }
        try
        {
            log.Info($"daemon started for {configPath}: {Describe(schedule)}");
            // a restore in place killed part way is undone first, so that containers left stopped start on the old files
            foreach (var line in PlacementRecovery.Run(StackConfigLoader.Load(configPath).Apps)) log.Warn(line);
            // a job of an earlier daemon killed with it may have left its app's containers stopped
            if (await StoppedContainerRecovery.RunAsync(stopLog, StackServices.ContainerControlFactory, CancellationToken.None) is { } recovered) log.Warn(recovered);
            _ = metrics.CollectAsync(stop.Token);
            await daemon.RunAsync(stop.Token);
        }
        finally
        {
            if (server is not null) await server.DisposeAsync();
        }
        log.Info("daemon stopped");
        return ExitCodes.Ok;
    }

    private static string Describe(ScheduleConfig schedule) =>
        string.Join("; ", schedule.Jobs.Select(j => $"{j.Label} \"{j.Cron}\"")) + $" ({schedule.TimeZoneName ?? "the machine's time zone"}, catch-up {(schedule.CatchUp ? "on" : "off")})";

    /// <summary>ADDR:PORT ([::1]:8420 for IPv6), or off.</summary>
    public static IPEndPoint? ParseListen(string text)
    {
        if (text == "off") return null;
        if (IPEndPoint.TryParse(text, out var endpoint) && text.Contains(':') && endpoint.Port is >= 0 and <= 65535) return endpoint;
        throw new CliException($"--listen {text}: use ADDR:PORT, e.g. 127.0.0.1:8420 or 0.0.0.0:8420 (all interfaces), or off");
    }

    /// <summary>A number with s, m or h: 60s, 5m.</summary>
    public static TimeSpan ParseGrace(string text)
    {
        if (text.Length > 1 && long.TryParse(text[..^1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n))
        {
            switch (text[^1])
            {
                case 's': return TimeSpan.FromSeconds(n);
                case 'm': return TimeSpan.FromMinutes(n);
                case 'h': return TimeSpan.FromHours(n);
            }
        }
        throw new CliException($"--grace {text}: use a number with s, m or h, e.g. 60s or 5m");
    }
}
