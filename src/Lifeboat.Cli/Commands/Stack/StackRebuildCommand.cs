using System.CommandLine;
using Lifeboat.Stack;
using Lifeboat.Stack.Containers;
using Lifeboat.Stack.Scenarios;

namespace Lifeboat.Cli.Commands.Stack;

/// <summary>
/// `lifeboat rebuild [--target-root DIR] [--force [--delete]]`: scenario 2, a lost machine. Every app's latest snapshot goes to its
/// original paths (or P to DIR/P for a rehearsal); the containers are named as Docker sees them (to start, running, missing), not started.
/// With --replace-databases each app's dumps are loaded where their container runs (or on the host); the others are
/// printed as the restore command to run once the containers are up.
/// </summary>
public sealed class StackRebuildCommand : ICommandFactory
{
    public Command Create(GlobalOptions global)
    {
        var targetRoot = new Option<string?>("--target-root") { Description = "restore each app path P to DIR/P instead of P (a rehearsal)" };
        var force = new Option<bool>("--force") { Description = "restore also into destinations that already have content (files there are replaced, none removed)" };
        var replaceDatabases = new Option<bool>("--replace-databases") { Description = "after each app's files, load its snapshot's database dumps (into the containers that run, or on the host), replacing what the databases hold; the others are printed as commands to run once their containers are up" };
        var delete = new Option<bool>("--delete") { Description = "with --force: also remove from the apps' paths what the snapshots do not have (moved aside until that app's rebuild has succeeded; what the apps' excludes leave out is kept)" };
        var command = new Command("rebuild", "With a lifeboat.yaml: restore every app's latest snapshot to its original paths (a rebuilt machine)") { targetRoot, force, delete, replaceDatabases };
        command.SetAction((parse, ct) => Program.Run(async () =>
        {
            var ctx = new CommandContext(global, parse);
            var config = ctx.StackConfig ?? throw new CliException("rebuild needs a lifeboat.yaml: give --config FILE, set LIFEBOAT_CONFIG, or run it where lifeboat.yaml is");
            var root = parse.GetValue(targetRoot) is { } r ? Engine.Backup.Archiver.AbsolutePath(r).TrimEnd('/') : null;
            if (root is "") throw new CliException("--target-root / is the original paths: leave --target-root out");
            bool replace = parse.GetValue(replaceDatabases);
            if (replace && root is not null) throw new CliException("--replace-databases loads the dumps into the live databases, which a rehearsal under --target-root leaves alone: leave out one of them");
            // a rebuild killed while it moved an app's files into place is undone first (as any stack restore does)
            if (root is null) LeftStoppedContainers.RollBackInterruptedRestores(ctx, config.Apps);
            var occupied = StackRestore.DestinationsWithContent(config.Apps, root);
            if (occupied.Count > 0 && !parse.GetValue(force))
                throw new CliException($"{occupied[0]}{(occupied.Count > 1 ? $" (and {occupied.Count - 1} more)" : "")} already has content; rebuild restores into empty destinations: use --force to restore over it");

            await using var repo = await ctx.OpenRepositoryAsync(ct);
            await using var repoLock = await ctx.LockAsync(repo, exclusive: false, ct, loadIndex: true);
            var restore = new StackRestore(repo, config, StackServices.ContainerControlFactory, new StackRestoreCommand.RestoreObserver(ctx));
            int failed = 0;
            var containers = new List<string>();
            // the stack's restore hooks run around a rebuild to the original paths, not around a rehearsal
            if (root is null) await restore.Hooks.BeforeAllAsync(config.Apps, ct);
            foreach (var app in config.Apps)
            {
                try
                {
                    var snapshot = await StackRestore.ChooseSnapshotAsync(repo, app, null, null, null, ct);
                    var result = await restore.RebuildAppAsync(app, snapshot, root, replace, ct, delete: parse.GetValue(delete));
                    StackRestoreCommand.Report(ctx, result, inPlace: root is null);
                    if (result.Dumps.Any(d => d.Failed)) failed++;
                    containers.AddRange(app.Containers);
                }
                catch (StackException e)
                {
                    // one app's missing history must not keep the others from coming back
                    failed++;
                    ctx.Error.WriteLine($"{app.Name}: FAILED: {e.Message}");
                }
            }
            if (root is null && failed == 0) await restore.Hooks.AfterAllAsync(config.Apps, ct);
            if (containers.Count > 0 && !ctx.Json)
            {
                var survey = await ContainerSurvey.TakeAsync(StackServices.ContainerControlFactory, containers, ct);
                foreach (var line in ContainerLines(survey, containers.Distinct().ToList(), rehearsal: root is not null)) ctx.Info(line);
            }
            return failed > 0 ? ExitCodes.Fatal : ExitCodes.Ok;
        }, ct));
        return command;
    }

    /// <summary>
    /// What is left to do with the restored apps' containers, as Docker sees them now: only a container that exists can
    /// be started; a missing one is named as missing (a rebuilt machine's compose file creates it).
    /// </summary>
    /// <param name="rehearsal">Restored under --target-root: a running container does not use what was restored.</param>
    public static IEnumerable<string> ContainerLines(ContainerSurvey survey, IReadOnlyList<string> names, bool rehearsal)
    {
        if (survey.Unreachable is { } why)
        {
            yield return $"to start: {string.Join(", ", names)} (e.g. docker compose up -d); whether they exist was not checked: {why}";
            yield break;
        }
        if (survey.Stopped is { Count: > 0 } stopped)
            yield return $"to start: {string.Join(", ", stopped)} (docker start {string.Join(' ', stopped)}, or docker compose up -d)";
        if (survey.Running is { Count: > 0 } running)
            yield return rehearsal ? $"already running: {string.Join(", ", running)}"
                : $"already running: {string.Join(", ", running)} (restart {(running.Count == 1 ? "it" : "them")} so that {(running.Count == 1 ? "it reads" : "they read")} the restored files: docker restart {string.Join(' ', running)})";
        if (survey.Missing is { Count: > 0 } missing)
            yield return $"missing: {string.Join(", ", missing)}: Docker has no container of {(missing.Count == 1 ? "that name" : "those names")} yet; create {(missing.Count == 1 ? "it" : "them")} (e.g. docker compose up -d) or correct the app's containers in lifeboat.yaml";
    }
}
