using System.CommandLine;
using Lifeboat.Stack.Operations;

namespace Lifeboat.Cli.Commands;

/// <summary>
/// `lifeboat schedule install|uninstall|show [--dir DIR]`: systemd service and timer units made from lifeboat.yaml's
/// schedule: (see <see cref="SystemdUnits"/>), for running the jobs by systemd timers instead of the daemon.
/// </summary>
public sealed class ScheduleCommand : ICommandFactory
{
    public const string DefaultDirectory = "/etc/systemd/system";

    public Command Create(GlobalOptions global)
    {
        var command = new Command("schedule", "With a lifeboat.yaml: systemd timers for its schedule: instead of the daemon");
        command.Subcommands.Add(Sub(global, "show", "print the units that install would write", Show));
        command.Subcommands.Add(Sub(global, "install", $"write the units (default into {DefaultDirectory}); then: systemctl daemon-reload && systemctl enable --now the timers", Install));
        command.Subcommands.Add(Sub(global, "uninstall", "remove the units install wrote for this lifeboat.yaml", Uninstall, takesBinary: false));
        return command;
    }

    private delegate int Body(CommandContext ctx, string configPath, string directory, string binary);

    /// <param name="takesBinary">Whether the units' binary matters (show, install); uninstall finds the units by their names.</param>
    private static Command Sub(GlobalOptions global, string name, string description, Body body, bool takesBinary = true)
    {
        var dir = new Option<string>("--dir") { Description = $"the directory of the unit files (default {DefaultDirectory})", DefaultValueFactory = _ => DefaultDirectory };
        var binary = new Option<string?>("--binary")
        {
            Description = "the lifeboat binary the units run (default: this one; e.g. /usr/local/bin/lifeboat after installing it there)",
            HelpName = "PATH",
        };
        var command = new Command(name, description) { dir };
        if (takesBinary) command.Options.Add(binary);
        command.SetAction((parse, ct) => Program.Run(() =>
        {
            var ctx = new CommandContext(global, parse);
            if (ctx.RepositoryGiven)
                throw new CliException("schedule works with a lifeboat.yaml and takes its repository from it: leave out -r/--repository-file and unset RESTIC_REPOSITORY(_FILE)");
            var located = ctx.LocateStackConfig()
                ?? throw new CliException("schedule needs a lifeboat.yaml with a schedule: section: give --config FILE, set LIFEBOAT_CONFIG, or run it where lifeboat.yaml is");
            var program = takesBinary && parse.GetValue(binary) is { } given ? Path.GetFullPath(given) : StableBinaryPath(
                Environment.ProcessPath ?? throw new CliException("cannot tell where the lifeboat binary is: give --binary PATH"));
            if (!File.Exists(program)) throw new CliException($"--binary {program}: no such file");
            return Task.FromResult(body(ctx, Path.GetFullPath(located), Path.GetFullPath(parse.GetValue(dir)!), program));
        }, ct));
        return command;
    }

    private static IReadOnlyList<SystemdUnit> Units(string configPath, string binary) =>
        SystemdUnits.Generate(DaemonCommand.LoadSchedule(configPath), configPath, binary);

    /// <summary>
    /// The path units should run for the binary at <paramref name="processPath"/>. A binary that ./lifeboat built lives
    /// in .build/cli-XXXXXXXX/, which the next rebuild deletes; .build/cli is the symlink a rebuild swaps to the new
    /// build, so units name .build/cli/lifeboat and keep working. Any other path is used as it is.
    /// </summary>
    public static string StableBinaryPath(string processPath)
    {
        var directory = Path.GetDirectoryName(processPath);
        if (directory is null || !Path.GetFileName(directory).StartsWith("cli-", StringComparison.Ordinal)) return processPath;
        var link = Path.Combine(Path.GetDirectoryName(directory)!, "cli");
        var target = new DirectoryInfo(link).ResolveLinkTarget(returnFinalTarget: true);
        return target is not null && Path.GetFullPath(target.FullName).TrimEnd('/') == Path.GetFullPath(directory).TrimEnd('/')
            ? Path.Combine(link, Path.GetFileName(processPath))
            : processPath;
    }

    private static int Show(CommandContext ctx, string configPath, string directory, string binary)
    {
        foreach (var unit in Units(configPath, binary))
        {
            ctx.Out.WriteLine($"# {Path.Combine(directory, unit.Name)}");
            ctx.Out.WriteLine(unit.Text);
        }
        return ExitCodes.Ok;
    }

    private static int Install(CommandContext ctx, string configPath, string directory, string binary)
    {
        var units = Units(configPath, binary);
        if (!Directory.Exists(directory)) throw new CliException($"{directory} does not exist");
        // never overwrite a unit someone else wrote, or one made from another lifeboat.yaml
        foreach (var unit in units)
        {
            var path = Path.Combine(directory, unit.Name);
            if (File.Exists(path) && MarkerOf(path) != SystemdUnits.Marker(configPath))
                throw new CliException($"{path} exists and was not written by lifeboat schedule install for {configPath}; remove or rename it first");
        }
        // a job removed from schedule: since the last install loses its units too
        var stale = Written(directory, configPath).Where(p => units.All(u => u.Name != Path.GetFileName(p))).ToList();
        foreach (var unit in units)
        {
            var path = Path.Combine(directory, unit.Name);
            var temporary = Path.Combine(directory, $".{unit.Name}.{Environment.ProcessId}.tmp");
            File.WriteAllText(temporary, unit.Text);
            File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
            File.Move(temporary, path, overwrite: true);
            ctx.Info($"wrote {path}");
        }
        foreach (var path in stale)
        {
            File.Delete(path);
            ctx.Info($"removed {path} (its job is no longer in schedule:)");
        }
        var timers = string.Join(' ', units.Where(u => u.Name.EndsWith(".timer", StringComparison.Ordinal)).Select(u => u.Name));
        ctx.Info($"now run: systemctl daemon-reload && systemctl enable --now {timers}");
        return ExitCodes.Ok;
    }

    private static int Uninstall(CommandContext ctx, string configPath, string directory, string binary)
    {
        var written = Written(directory, configPath);
        foreach (var path in written)
        {
            File.Delete(path);
            ctx.Info($"removed {path}");
        }
        if (written.Count == 0) ctx.Info($"no units in {directory} were written for {configPath}");
        else ctx.Info("now run: systemctl daemon-reload (after systemctl disable --now on the timers, if they were enabled)");
        return ExitCodes.Ok;
    }

    /// <summary>The unit files in the directory whose marker names this config.</summary>
    private static List<string> Written(string directory, string configPath)
    {
        if (!Directory.Exists(directory)) return [];
        return Directory.EnumerateFiles(directory, "lifeboat-*")
            .Where(p => p.EndsWith(".service", StringComparison.Ordinal) || p.EndsWith(".timer", StringComparison.Ordinal))
            .Where(p => MarkerOf(p) == SystemdUnits.Marker(configPath))
            .Order(StringComparer.Ordinal)
            .ToList();
    }

    private static string? MarkerOf(string path)
    {
        using var reader = new StreamReader(path);
        return reader.ReadLine();
    }
}
