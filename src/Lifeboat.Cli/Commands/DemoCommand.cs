using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;

namespace Lifeboat.Cli.Commands;

/// <summary>
/// Lifeboat's main job on a built-in sample stack, run with the very commands a user types: a lifeboat.yaml for
/// three apps (live SQLite databases included), init, the nightly backup, a broken config restored in place from the
/// last good snapshot, a real restore test, and the doctor's checklist. Each step runs this same binary as a child
/// process with the demo's config, so what is shown is exactly what those commands print.
/// </summary>
public sealed class DemoCommand : ICommandFactory
{
    /// <summary>Variables that would point the child commands at another repository or password than the demo's.</summary>
    private static readonly string[] ForeignVariables =
    [
        "RESTIC_REPOSITORY", "RESTIC_REPOSITORY_FILE", "RESTIC_PASSWORD", "RESTIC_PASSWORD_FILE", "RESTIC_PASSWORD_COMMAND",
        "RESTIC_COMPRESSION", "RESTIC_PACK_SIZE", "RESTIC_HOST", "RESTIC_KEY_HINT",
        "LIFEBOAT_REPOSITORY", "LIFEBOAT_PASSWORD", "LIFEBOAT_PASSWORD_FILE", "LIFEBOAT_PASSWORD_COMMAND",
        "LIFEBOAT_COMPRESSION", "LIFEBOAT_PACK_SIZE", "LIFEBOAT_CONFIG",
    ];

    public Command Create(GlobalOptions global)
    {
        var dir = new Option<string?>("--dir") { Description = "where to put the sample stack and repository, kept afterwards (default: a new folder under /tmp, removed at the end unless --keep)" };
        var keep = new Option<bool>("--keep") { Description = "keep the demo's folder (stack, repository, password) afterwards, to try the steps yourself" };
        var command = new Command("demo", "Back up, break, restore, verify and check a built-in sample stack, showing each command") { dir, keep };
        command.SetAction((parse, ct) => Program.Run(async () =>
        {
            var root = Path.GetFullPath(parse.GetValue(dir) ?? Path.Combine(Path.GetTempPath(), "lifeboat-demo-" + DateTime.Now.ToString("yyyyMMdd-HHmmss")));
            var stack = Path.Combine(root, "srv");
            if (Directory.Exists(stack) || Directory.Exists(Path.Combine(root, "repository")))
                throw new CliException($"{root} already holds a demo; choose another --dir");
            // a folder the user named is theirs; the default one under /tmp is the demo's, and goes at the end
            bool kept = parse.GetValue(keep) || parse.GetValue(dir) is not null;
            Directory.CreateDirectory(root);
            var o = Console.Out;
            try
            {
                return await RunDemoAsync(root, stack, kept, o, ct);
            }
            finally
            {
                if (!kept) Remove(root, o);
            }
        }, ct));
        return command;
    }

    private static async Task<int> RunDemoAsync(string root, string stack, bool kept, TextWriter o, CancellationToken ct)
    {
        var demo = new DemoRun(root, o, ct);

        int files = Lifeboat.Stack.Demo.DemoStack.WriteData(stack);
        var configFile = Path.Combine(root, "lifeboat.yaml");
        File.WriteAllText(configFile, Lifeboat.Stack.Demo.DemoStack.Config(stack));
        o.WriteLine($"Lifeboat demo in {root}{(kept ? "" : " (removed at the end; lifeboat demo --keep keeps it)")}");
        o.WriteLine();
        o.WriteLine($"A sample stack: {files} files of Plex, Jellyfin and Sonarr state under {stack}, described by {configFile}:");
        o.WriteLine();
        foreach (var line in File.ReadAllLines(configFile)) o.WriteLine("    " + line);

        await demo.Step("Create the repository; the password file does not exist yet, so a random password is written to it", "init");
        await demo.Step("The nightly backup: one snapshot per app, live SQLite databases copied consistently", "backup");

        var config = Path.Combine(stack, "sonarr", "config", "config.xml");
        var good = File.ReadAllText(config);
        File.WriteAllText(config, "<Config><ApiKey>oops</ApiKey>");
        await demo.Step("Sonarr's config.xml is broken by a bad edit, and the next nightly backup runs anyway", "backup", "sonarr");
        await demo.Step("Sonarr's history", "snapshots", "sonarr");

        var history = JsonDocument.Parse(await demo.Quiet("snapshots", "sonarr", "--json")).RootElement[0].GetProperty("snapshots");
        var lastGood = history[0].GetProperty("short_id").GetString()!;
        await demo.Step($"Put the file back from the last good snapshot ({lastGood}), in place", "restore", "sonarr", "--snapshot", lastGood, "--path", config);
        bool same = File.ReadAllText(config) == good;
        o.WriteLine($"  -> config.xml is {(same ? "back: content identical to before the edit" : "NOT BACK: CONTENT DIFFERS")}");

        await demo.Step("A real restore test of every app: restored to scratch, checked against the snapshot, the live files and SQLite", "verify");
        await demo.Step("The validation checklist", "doctor");

        o.WriteLine();
        if (kept)
        {
            o.WriteLine("Stock restic reads the same repository:");
            o.WriteLine($"  restic -r {Path.Combine(root, "repository")} --password-file {Path.Combine(root, "password")} snapshots");
            o.WriteLine("Try any step yourself:");
            o.WriteLine($"  ./lifeboat --config {configFile} snapshots");
        }
        return same && demo.Failed.Count == 0 ? ExitCodes.Ok : ExitCodes.Fatal;
    }

    /// <summary>Removes the demo's folder, and says so (or says what is left, and where).</summary>
    private static void Remove(string root, TextWriter output)
    {
        try
        {
            Directory.Delete(root, recursive: true);
            output.WriteLine($"Removed {root} (lifeboat demo --keep keeps it, to try the steps yourself or read the repository with stock restic).");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            output.WriteLine($"Could not remove {root}: {e.Message}; remove it by hand.");
        }
    }

    /// <summary>Runs the demo's commands as child processes of this binary, each with the demo's config and state.</summary>
    private sealed class DemoRun(string root, TextWriter output, CancellationToken cancellationToken)
    {
        private int _step;

        public List<string> Failed { get; } = [];

        public async Task Step(string what, params string[] args)
        {
            output.WriteLine();
            output.WriteLine($"{++_step}. {what}");
            output.WriteLine($"$ lifeboat {string.Join(' ', args.Select(Quote))}");
            var (exitCode, stdout, stderr) = await RunAsync(args);
            foreach (var line in (stdout + stderr).TrimEnd('\n').Split('\n')) output.WriteLine("  " + line);
            if (exitCode == 2 && args is ["doctor", ..])
            {
                // The one warning a demo cannot avoid: it keeps its repository in one directory with its data.
                output.WriteLine("  -> exit code 2: warnings only; the placement warning is expected in a demo that keeps the repository beside");
                output.WriteLine("     its data. A real stack keeps it on another machine (sftp:, rest:, s3:, rclone:) or adds an offsite: one.");
            }
            else if (exitCode != 0)
            {
                output.WriteLine($"  -> exit code {exitCode}");
                Failed.Add(string.Join(' ', args));
            }
        }

        public async Task<string> Quiet(params string[] args)
        {
            var (exitCode, stdout, stderr) = await RunAsync(args);
            if (exitCode != 0) throw new CliException($"demo step \"lifeboat {string.Join(' ', args)}\" failed: {stderr.Trim()}");
            return stdout;
        }

        private async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string[] args)
        {
            var start = new ProcessStartInfo(Environment.ProcessPath ?? throw new CliException("cannot find the lifeboat binary to run the demo's steps"))
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
                WorkingDirectory = root,
            };
            start.ArgumentList.Add("--config");
            start.ArgumentList.Add(Path.Combine(root, "lifeboat.yaml"));
            foreach (var a in args) start.ArgumentList.Add(a);
            foreach (var name in ForeignVariables) start.Environment.Remove(name);
            // the demo's restore-test history and scratch space stay inside the demo's folder
            start.Environment["LIFEBOAT_STATE_DIR"] = Path.Combine(root, "state");
            start.Environment["LIFEBOAT_STAGING_DIR"] = Path.Combine(root, "scratch");
            Directory.CreateDirectory(Path.Combine(root, "scratch"));
            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
            await process.WaitForExitAsync(cancellationToken);
            return (process.ExitCode, await stdout, await stderr);
        }

        private static string Quote(string arg) => arg.Any(c => char.IsWhiteSpace(c) || c == '"') ? $"\"{arg}\"" : arg;
    }
}
