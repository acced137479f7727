using System.CommandLine;
using Lifeboat.Cli.Rendering;
using Lifeboat.Engine.Platform;
using Lifeboat.Stack.Verification;

namespace Lifeboat.Cli.Commands.Stack;

/// <summary>
/// `lifeboat doctor [--json]`: the stack's validation checklist, one line per item, then a summary. Exit code 0 when
/// every item passed, 1 when any failed, 2 when some only warned. The checks are <see cref="Doctor"/>'s; this renders.
/// </summary>
public sealed class StackDoctorCommand : ICommandFactory
{
    public Command Create(GlobalOptions global)
    {
        var command = new Command("doctor", "With a lifeboat.yaml: check the stack (repository, backups, restore tests, password file, secrets in git and in the config)");
        command.SetAction((parse, ct) => Program.Run(async () =>
        {
            var ctx = new CommandContext(global, parse);
            if (ctx.RepositoryGiven)
                throw new CliException("doctor checks a stack and takes its repository from lifeboat.yaml: leave out -r/--repository-file and unset RESTIC_REPOSITORY(_FILE)");
            var configPath = ctx.LocateStackConfig()
                ?? throw new CliException("doctor checks a stack, and there is no lifeboat.yaml here: give --config FILE, set LIFEBOAT_CONFIG, or run it where lifeboat.yaml is");
            var doctor = new Doctor(new DoctorOptions
            {
                ConfigPath = configPath,
                DefaultHost = Posix.HostName,
                // an option or the environment wins over the config, as for every other command
                Password = config => ctx.Password(config),
                OpenBackend = ctx.OpenBackend,
                OffsitePassword = config => ctx.OffsitePassword(config, config.Offsite!),
            });
            var report = await doctor.RunAsync(ct);
            if (ctx.Json) WriteJson(report);
            else WriteText(ctx.Out, report);
            return report.Status switch
            {
                DoctorStatus.Fail => ExitCodes.Fatal,
                DoctorStatus.Warn => ExitCodes.DoctorWarnings,
                _ => ExitCodes.Ok,
            };
        }, ct));
        return command;
    }

    public static string StatusWord(DoctorStatus status) => status switch
    {
        DoctorStatus.Pass => "pass",
        DoctorStatus.Warn => "warn",
        DoctorStatus.Fail => "fail",
        _ => "skip",
    };

    /// <summary>"[pass] repository: /srv/backup reachable, ..." or "[FAIL] plex: newest backup is 3 days old (limit 26h); run lifeboat backup plex".</summary>
    public static string Line(DoctorCheck item)
    {
        var mark = item.Status == DoctorStatus.Fail ? "FAIL" : StatusWord(item.Status);
        var label = item.IsPerApp ? item.Subject : item.Check;
        return $"[{mark}] {label}: {Display.Text(item.Reason)}{(item.Fix is { } fix ? "; " + Display.Text(fix) : "")}";
    }

    private static void WriteText(TextWriter output, DoctorReport report)
    {
        foreach (var item in report.Items) output.WriteLine(Line(item));
        int passed = report.Count(DoctorStatus.Pass), warned = report.Count(DoctorStatus.Warn), failed = report.Count(DoctorStatus.Fail), skipped = report.Count(DoctorStatus.Skip);
        var parts = new List<string> { $"{passed} passed" };
        if (warned > 0) parts.Add(warned == 1 ? "1 warning" : $"{warned} warnings");
        if (failed > 0) parts.Add($"{failed} failed");
        if (skipped > 0) parts.Add($"{skipped} skipped");
        output.WriteLine($"doctor: {report.Items.Count} checks, {string.Join(", ", parts)}: {report.Status switch
        {
            DoctorStatus.Fail => "FAIL",
            DoctorStatus.Warn => "warnings only",
            _ => "all good",
        }}");
    }

    /// <summary>{"items":[{"check","subject","status","reason","fix"}],"status":"pass|warn|fail"}.</summary>
    private static void WriteJson(DoctorReport report) =>
        JsonOutput.Line(w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("items");
            foreach (var item in report.Items)
            {
                w.WriteStartObject();
                w.WriteString("check", item.Check);
                w.WriteString("subject", item.Subject);
                w.WriteString("status", StatusWord(item.Status));
                w.WriteString("reason", item.Reason);
                if (item.Fix is { } fix) w.WriteString("fix", fix);
                else w.WriteNull("fix");
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteString("status", StatusWord(report.Status));
            w.WriteEndObject();
        });
}
