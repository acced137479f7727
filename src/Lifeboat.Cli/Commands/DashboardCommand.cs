using System.CommandLine;
using System.Net;
using Lifeboat.Dashboard;
using Lifeboat.Engine.Platform;
using Lifeboat.Stack.Configuration;
using Lifeboat.Stack.Hosting;
using Lifeboat.Stack.Operations;

namespace Lifeboat.Cli.Commands;

/// <summary>
/// `lifeboat dashboard [--listen ADDR:PORT] [--tls-cert FILE --tls-key FILE]`: the dashboard alone, for users without
/// the daemon (which serves the same page beside /metrics), until SIGTERM or Ctrl-C (exit 0); jobs started from the
/// page run as the daemon runs its jobs, one at a time. Refused before
/// listening beyond loopback without dashboard.password-file. `lifeboat dashboard hash-password` makes that file's line.
/// </summary>
public sealed class DashboardCommand : ICommandFactory
{
    public const string Name = "dashboard";
    /// <summary>A job started from the page gets this long to stop cleanly on SIGTERM (the dashboard handles its signals itself, as the daemon does).</summary>
    private static readonly TimeSpan JobGrace = TimeSpan.FromSeconds(20);

    public Command Create(GlobalOptions global)
    {
        var listen = new Option<string>("--listen") { Description = "address and port to serve the dashboard on; beyond loopback only with dashboard.password-file", DefaultValueFactory = _ => "127.0.0.1:8420" };
        var tlsCert = new Option<string?>("--tls-cert") { Description = "serve HTTPS with this PEM certificate (chain); wins over dashboard.tls-cert" };
        var tlsKey = new Option<string?>("--tls-key") { Description = "the certificate's PEM private key; wins over dashboard.tls-key" };
        var command = new Command(Name, """
            With a lifeboat.yaml: serve the dashboard (every app's backups, restore tests and containers, the doctor's checklist, browse and download any snapshot)

            The daemon serves the same page on its --listen address. Beyond loopback it needs a password:
              lifeboat dashboard hash-password > /etc/lifeboat/dashboard.hash
            and in lifeboat.yaml: dashboard: { password-file: /etc/lifeboat/dashboard.hash }
            """) { listen, tlsCert, tlsKey };
        command.SetAction((parse, ct) => Program.Run(async () =>
        {
            var ctx = new CommandContext(global, parse);
            if (ctx.RepositoryGiven)
                throw new CliException("dashboard shows a stack and takes its repository from lifeboat.yaml: leave out -r/--repository-file and unset RESTIC_REPOSITORY(_FILE)");
            var configPath = Path.GetFullPath(ctx.LocateStackConfig()
                ?? throw new CliException("dashboard shows a stack, and there is no lifeboat.yaml here: give --config FILE, set LIFEBOAT_CONFIG, or run it where lifeboat.yaml is"));
            var endpoint = DaemonCommand.ParseListen(parse.GetValue(listen)!)
                ?? throw new CliException("--listen off: the dashboard needs an address, e.g. 127.0.0.1:8420");
            var config = StackConfigLoader.Load(configPath);
            // the page's actions run as the daemon runs jobs (a child process each, one at a time, in the run history),
            // by a daemon of its own that has no schedule
            var jobs = new DashboardJobs();
            var log = new DaemonLogLines(Console.Out, json: false);
            var history = new JobRunLog(new Lifeboat.Stack.State.StateDatabase(), configPath, log.Warn);
            var executor = new ChildProcessJobExecutor(Environment.ProcessPath ?? throw new CliException("cannot tell where the lifeboat binary is"), configPath, log, JobGrace);
            var daemon = new JobDaemon(new ScheduleConfig { TimeZone = TimeZoneInfo.Local, CatchUp = false, Jobs = [] }, executor, [log, history, jobs], history, log);
            jobs.Enqueue = daemon.Enqueue;
            jobs.History = history;
            executor.OutputLine = jobs.Output;
            var (mount, certificate) = Prepare(config, endpoint, ctx.Access, jobs, parse.GetValue(tlsCert), parse.GetValue(tlsKey));
            // SIGTERM or Ctrl-C: a running job stops cleanly (its own SIGTERM), then the server
            using var stop = new ServerStopSignals();
            await using var server = await DaemonHttpServer.StartAsync(endpoint, [], CancellationToken.None, mount, certificate);
            Console.Out.WriteLine($"dashboard: serving {server.Address} for {configPath}");
            await daemon.RunAsync(stop.Token);
            Console.Out.WriteLine("dashboard: stopped");
            return ExitCodes.Ok;
        }, ct));
        command.Subcommands.Add(HashPassword());
        return command;
    }

    /// <summary>
    /// The dashboard's routes and certificate for a listener; a <see cref="CliException"/> with the one line that
    /// refuses (beyond loopback without a password, a password file or certificate that cannot be used).
    /// </summary>
    public static (Action<Microsoft.AspNetCore.Builder.WebApplication> Mount, System.Security.Cryptography.X509Certificates.X509Certificate2? Certificate) Prepare(
        StackConfig config, IPEndPoint listen, RepositoryAccess access, DashboardJobs jobs, string? tlsCert = null, string? tlsKey = null)
    {
        try
        {
            var (password, certificate) = DashboardStartup.Prepare(config, listen, tlsCert, tlsKey);
            var server = new DashboardServer(new DashboardSettings
            {
                ConfigPath = Path.GetFullPath(config.File), Access = access, DefaultHost = Posix.HostName, Password = password, Https = certificate is not null, Jobs = jobs,
            });
            return (server.Mount, certificate);
        }
        catch (DashboardException e)
        {
            throw new CliException(e.Message);
        }
    }

    private static Command HashPassword()
    {
        var command = new Command("hash-password", """
            Print the hash of a dashboard password, for the file dashboard.password-file names (the password itself is kept nowhere)

            The password is asked for on a terminal (twice), else read from the first line of standard input:
              lifeboat dashboard hash-password > /etc/lifeboat/dashboard.hash
            """);
        command.SetAction((parse, ct) => Program.Run(() =>
        {
            string password;
            if (Posix.IsTerminal(0))
            {
                password = CommandContext.PromptHidden("dashboard password: ");
                if (CommandContext.PromptHidden("the same again: ") != password) throw new CliException("the two passwords differ");
            }
            else password = Console.In.ReadLine() ?? "";
            if (password.Length < 8) throw new CliException("a dashboard password needs at least 8 characters");
            Console.Out.WriteLine(PasswordHash.Create(password));
            return Task.FromResult(ExitCodes.Ok);
        }, ct));
        return command;
    }
}
