using System.CommandLine;
using System.Diagnostics;
using Lifeboat.Stack.Scenarios;

namespace Lifeboat.Cli.Commands.Stack;

/// <summary>
/// `lifeboat upgrade APP -- COMMAND...`: a snapshot of the app tagged pre-upgrade (its consistency rules apply), then
/// the command with this terminal; when the command fails, its exit code and how to roll back.
/// </summary>
public sealed class StackUpgradeCommand : ICommandFactory
{
    public Command Create(GlobalOptions global)
    {
        var app = new Argument<string>("APP") { Description = "the app to back up before the upgrade" };
        var commandLine = new Argument<string[]>("COMMAND") { Arity = ArgumentArity.OneOrMore, Description = "the upgrade command, after --" };
        var command = new Command("upgrade", "With a lifeboat.yaml: back up an app (tagged pre-upgrade), then run its upgrade command") { app, commandLine };
        command.SetAction((parse, ct) => Program.Run(async () =>
        {
            var ctx = new CommandContext(global, parse);
            var config = ctx.StackConfig ?? throw new CliException("upgrade needs a lifeboat.yaml: give --config FILE, set LIFEBOAT_CONFIG, or run it where lifeboat.yaml is");
            var appName = parse.GetValue(app)!;
            _ = config.SelectApps([appName]); // an unknown app is named before anything runs
            var arguments = parse.GetValue(commandLine) ?? [];
            if (arguments.Length == 0) throw new CliException("give the upgrade command after --: lifeboat upgrade APP -- COMMAND...");

            int backupExit = await StackBackupCommand.RunAsync(ctx, config, [appName], [StackRestore.PreUpgradeTag], ct);
            if (backupExit != ExitCodes.Ok)
                throw new CliException($"the pre-upgrade backup of {appName} did not complete: the upgrade command was not run");

            var start = new ProcessStartInfo(arguments[0]) { UseShellExecute = false };
            foreach (var a in arguments.Skip(1)) start.ArgumentList.Add(a);
            Process process;
            try
            {
                process = Process.Start(start) ?? throw new CliException($"cannot run {arguments[0]}");
            }
            catch (System.ComponentModel.Win32Exception e)
            {
                throw new CliException($"cannot run {arguments[0]}: {e.Message}; nothing was changed, the pre-upgrade snapshot stays");
            }
            using (process)
            {
                // Ctrl-C reaches the command too (same terminal); its own exit decides
                await process.WaitForExitAsync(CancellationToken.None);
                if (process.ExitCode == 0)
                {
                    ctx.Info($"{appName}: upgrade command succeeded; to go back: lifeboat rollback {appName}");
                    return ExitCodes.Ok;
                }
                ctx.Error.WriteLine($"{appName}: the upgrade command failed (exit code {process.ExitCode}); to restore the state before it: lifeboat rollback {appName}");
                return process.ExitCode;
            }
        }, ct));
        return command;
    }
}

/// <summary>`lifeboat rollback APP`: restores the app's latest pre-upgrade snapshot in place, exactly (what the upgrade added is removed).</summary>
public sealed class StackRollbackCommand : ICommandFactory
{
    public Command Create(GlobalOptions global)
    {
        var app = new Argument<string>("APP") { Description = "the app to roll back" };
        var command = new Command("rollback", "With a lifeboat.yaml: restore an app's latest pre-upgrade snapshot in place") { app };
        command.SetAction((parse, ct) => Program.Run(async () =>
        {
            var ctx = new CommandContext(global, parse);
            var config = ctx.StackConfig ?? throw new CliException("rollback needs a lifeboat.yaml: give --config FILE, set LIFEBOAT_CONFIG, or run it where lifeboat.yaml is");
            var selected = config.SelectApps([parse.GetValue(app)!])[0];
            var stopLog = await LeftStoppedContainers.RecoverAsync(ctx, [selected], ct);
            await using var repo = await ctx.OpenRepositoryAsync(ct);
            await using var repoLock = await ctx.LockAsync(repo, exclusive: false, ct, loadIndex: true);
            var snapshot = await StackRestore.ChooseSnapshotAsync(repo, selected, null, null, StackRestore.PreUpgradeTag, ct);
            var restore = new StackRestore(repo, config, StackServices.ContainerControlFactory, new StackRestoreCommand.RestoreObserver(ctx)) { StopLog = stopLog };
            // the state before the upgrade, exactly: files the upgrade added go too (after the restore has succeeded)
            return await StackRestoreCommand.RestoreInPlaceAsync(ctx, restore, selected, snapshot, [], delete: true, ct);
        }, ct));
        return command;
    }
}
