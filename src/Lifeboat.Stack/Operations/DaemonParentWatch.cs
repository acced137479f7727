using System.Globalization;
using System.Runtime.InteropServices;

namespace Lifeboat.Stack.Operations;

/// <summary>
/// A job the daemon started stops cleanly when the daemon dies without stopping it (kill -9, an OOM kill): the job
/// notices its parent is gone and sends itself SIGTERM, which the command line turns into its usual clean stop
/// (containers started again, unfinished packs discarded, lock removed). Without it the orphaned job would run on
/// unwatched, and a restarted daemon would start a second one beside it. prctl(PR_SET_PDEATHSIG) is not used: it
/// fires when the forking thread exits, and .NET forks from whichever pool thread called Process.Start.
/// </summary>
public static partial class DaemonParentWatch
{
    /// <summary>Set by the daemon in each job's environment: the daemon's PID.</summary>
    public const string EnvironmentVariable = "LIFEBOAT_DAEMON_PID";

    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(500);

    private static Timer? _timer;

    /// <summary>True in a process the daemon started as a job (after <see cref="StartIfDaemonJob"/>): the daemon records and reports the run.</summary>
    public static bool IsDaemonJob { get; private set; }

    /// <summary>
    /// In a process the daemon started, watches the daemon; elsewhere does nothing. The variable is removed from this
    /// process's environment so that a process this job starts (a hook running lifeboat) does not watch the daemon.
    /// </summary>
    public static void StartIfDaemonJob(TextWriter log)
    {
        var value = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (value is null) return;
        Environment.SetEnvironmentVariable(EnvironmentVariable, null);
        if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var daemonPid) || daemonPid <= 1) return;
        IsDaemonJob = true;
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS()) return;
        if (getppid() != daemonPid) // the daemon died before this job got here
        {
            Stop(log, daemonPid);
            return;
        }
        _timer = new Timer(_ =>
        {
            if (getppid() == daemonPid) return;
            _timer?.Dispose();
            Stop(log, daemonPid);
        }, null, PollInterval, PollInterval);
    }

    private static void Stop(TextWriter log, int daemonPid)
    {
        log.WriteLine($"the daemon (PID {daemonPid.ToString(CultureInfo.InvariantCulture)}) that started this job is gone; stopping the job cleanly");
        ChildSignal.Send(Environment.ProcessId, ChildSignal.SigTerm);
    }

    [LibraryImport("libc")]
    private static partial int getppid();
}
