using Lifeboat.Stack.Configuration;
using Lifeboat.Stack.Containers;
using Lifeboat.Stack.Dumps;

namespace Lifeboat.Stack.Verification;

/// <summary>
/// Per app with dumps: what the night's dump needs is there. On the host the dump tool is on PATH (and the tools that
/// load it back, for a restore); in a container the container exists and runs; a password file exists and only its
/// owner may read it. Each problem names its key and line. No item for an app without dumps.
/// </summary>
public static class DumpsCheck
{
    /// <param name="containers">The dumps' containers as Docker sees them; null when no dump runs in one.</param>
    /// <param name="hostHasProgram">Whether a program is on the host's PATH (default: looks there).</param>
    public static DoctorCheck? Run(AppConfig app, ContainerSurvey? containers, string configFile, Func<string, bool>? hostHasProgram = null)
    {
        if (app.Dumps.Count == 0) return null;
        var onPath = hostHasProgram ?? DumpTools.HostHasProgram;
        var findings = new List<(DoctorStatus, string, string?)>();
        foreach (var dump in app.Dumps)
        {
            var at = $"apps.{app.Name}.dumps (line {dump.Line})";
            if (dump.PasswordFile is { } file) PasswordFile(file, at, findings);
            if (dump.Container is { } container)
                Container(container, containers, at, configFile, findings);
            else
                HostTools(dump, at, onPath, findings);
        }
        if (findings.Count > 0) return DoctorCheck.Combine(DoctorCheck.Dumps, app.Name, findings);
        return DoctorCheck.Pass(DoctorCheck.Dumps, app.Name,
            $"{app.Dumps.Count} dump{(app.Dumps.Count == 1 ? "" : "s")} ({string.Join(", ", app.Dumps.Select(d => d.Display))}): the tools and containers are there");
    }

    private static void PasswordFile(string file, string at, List<(DoctorStatus, string, string?)> findings)
    {
        if (!File.Exists(file))
        {
            findings.Add((DoctorStatus.Fail, $"{at}: password-file {file} does not exist", $"write the database password into {file} (mode 0600)"));
            return;
        }
        var mode = File.GetUnixFileMode(file);
        if ((mode & (UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute)) != 0)
            findings.Add((DoctorStatus.Fail, $"{at}: password-file {file} has mode {Convert.ToString((int)mode, 8).PadLeft(4, '0')}: other users may read or change it", $"chmod 600 {file}"));
    }

    private static void Container(string container, ContainerSurvey? survey, string at, string configFile, List<(DoctorStatus, string, string?)> findings)
    {
        if (survey?.Unreachable is { } why)
        {
            findings.Add((DoctorStatus.Warn, $"{at}: container {container} not checked: {why}", null));
            return;
        }
        var state = survey?.States.FirstOrDefault(s => s.Name == container);
        if (state is null || !state.Exists)
            findings.Add((DoctorStatus.Fail, $"{at}: container {container} not found: the dump runs inside it",
                $"start the app (e.g. docker compose up -d) or correct the container: in {configFile} (docker ps -a lists the containers there are)"));
        else if (!state.Running)
            findings.Add((DoctorStatus.Fail, $"{at}: container {container} is not running: the dump runs inside it", $"docker start {container}"));
    }

    /// <summary>The programs the dump runs (a failure) and those a restore runs (a warning: the backup works without them).</summary>
    private static void HostTools(DumpConfig dump, string at, Func<string, bool> onPath, List<(DoctorStatus, string, string?)> findings)
    {
        var database = dump.Databases.Count > 0 ? dump.Databases[0] : null;
        var writes = DumpTools.Dump(dump, database, null, null, onPath).Program;
        if (!onPath(writes))
            findings.Add((DoctorStatus.Fail, $"{at}: {writes} was not found in PATH", ToolFix(dump, writes)));
        foreach (var loads in DumpTools.Load(dump, database, null, null, null, onPath).Select(l => l.Program).Distinct())
            if (!onPath(loads))
                findings.Add((DoctorStatus.Warn, $"{at}: {loads} was not found in PATH: the backup works, but a restore of this dump needs it", ToolFix(dump, loads)));
    }

    private static string ToolFix(DumpConfig dump, string program) => dump.Kind switch
    {
        DumpKind.Postgres => $"install PostgreSQL's client tools (Debian: apt install postgresql-client) of the server's major version or newer, or run the dump in the database's container (container:)",
        DumpKind.MariaDb => "install the MariaDB client (Debian: apt install mariadb-client), or run the dump in the database's container (container:)",
        _ => $"install {program} or correct the command in lifeboat.yaml",
    };
}
