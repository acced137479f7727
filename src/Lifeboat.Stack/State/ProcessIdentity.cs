using System.Globalization;

namespace Lifeboat.Stack.State;

/// <summary>
/// One process of this machine, told apart from any later process that is given the same PID: its PID, its start time
/// (clock ticks after boot, field 22 of /proc/PID/stat) and the boot it ran in (/proc/sys/kernel/random/boot_id).
/// A record that names a process can so be judged: is the process that wrote it still running?
/// </summary>
public readonly record struct ProcessIdentity(int Pid, long StartTicks, string BootId)
{
    private static readonly Lazy<ProcessIdentity> CurrentProcess = new(() =>
        Of(Environment.ProcessId) ?? throw new InvalidOperationException("/proc/self/stat cannot be read"));

    /// <summary>This process.</summary>
    public static ProcessIdentity Current => CurrentProcess.Value;

    /// <summary>This machine's boot, or "" where /proc does not say.</summary>
    public static string CurrentBoot { get; } = ReadBootId();

    /// <summary>The process with this PID now, or null when there is none or it has already exited (a zombie).</summary>
    public static ProcessIdentity? Of(int pid)
    {
        string stat;
        try
        {
            stat = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
        // "PID (COMM) STATE PPID ...": COMM may hold spaces and parentheses, so the fields are counted after the last ')'
        int close = stat.LastIndexOf(')');
        if (close < 0) return null;
        var fields = stat[(close + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        // fields[0] is field 3 (the state); the start time is field 22
        if (fields.Length < 20 || fields[0] is "Z" or "X" or "x") return null;
        return long.TryParse(fields[19], NumberStyles.None, CultureInfo.InvariantCulture, out long start)
            ? new ProcessIdentity(pid, start, CurrentBoot)
            : null;
    }

    /// <summary>Whether this very process still runs: same boot, and the PID still names a process started when it was.</summary>
    public bool IsRunning() => BootId == CurrentBoot && Of(Pid) is { } now && now.StartTicks == StartTicks;

    private static string ReadBootId()
    {
        try
        {
            return File.ReadAllText("/proc/sys/kernel/random/boot_id").Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "";
        }
    }
}
