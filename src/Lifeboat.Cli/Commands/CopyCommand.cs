using System.CommandLine;
using Lifeboat.Engine.Maintenance;
using Lifeboat.Engine.Repository;
using Lifeboat.Stack.Hosting;

namespace Lifeboat.Cli.Commands;

/// <summary>restic 0.14's copy: snapshots from --from-repo into the repository given by -r.</summary>
public sealed class CopyCommand : ICommandFactory
{
    public Command Create(GlobalOptions global)
    {
        var ids = new Argument<string[]>("snapshotID") { Arity = ArgumentArity.ZeroOrMore };
        var fromRepo = new Option<string?>("--from-repo") { Description = "source repository to copy snapshots from (default: $RESTIC_FROM_REPOSITORY)" };
        var fromRepoFile = new Option<string?>("--from-repository-file") { Description = "file from which to read the source repository location (default: $RESTIC_FROM_REPOSITORY_FILE)" };
        var fromPasswordFile = new Option<string?>("--from-password-file") { Description = "file to read the source repository password from (default: $RESTIC_FROM_PASSWORD_FILE)" };
        var fromPasswordCommand = new Option<string?>("--from-password-command") { Description = "shell command to obtain the source repository password from (default: $RESTIC_FROM_PASSWORD_COMMAND)" };
        var fromKeyHint = new Option<string?>("--from-key-hint") { Description = "key ID of key to try decrypting the source repository first (default: $RESTIC_FROM_KEY_HINT)" };
        var filter = new SnapshotFilterOptions();
        var command = new Command("copy", "Copy snapshots from one repository to another") { ids, fromRepo, fromRepoFile, fromPasswordFile, fromPasswordCommand, fromKeyHint };
        filter.AddTo(command);
        command.SetAction((parse, ct) => Program.Run(async () =>
        {
            var ctx = new CommandContext(global, parse);
            var location = parse.GetValue(fromRepo) ?? Env.Get("RESTIC_FROM_REPOSITORY");
            var locationFile = parse.GetValue(fromRepoFile) ?? Env.Get("RESTIC_FROM_REPOSITORY_FILE");
            if (location is null && locationFile is not null)
            {
                try { location = File.ReadAllText(locationFile).Trim(); }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new CliException($"cannot read source repository file {locationFile}: {e.Message}"); }
            }
            if (string.IsNullOrEmpty(location))
                throw new CliException("Please specify a source repository location (--from-repo or --from-repository-file)");
            var password = SourcePassword(parse.GetValue(fromPasswordFile) ?? Env.Get("RESTIC_FROM_PASSWORD_FILE"),
                parse.GetValue(fromPasswordCommand) ?? Env.Get("RESTIC_FROM_PASSWORD_COMMAND"), Env.Get("RESTIC_FROM_PASSWORD"));

            var sourceOptions = ctx.RepositoryOptions() with { KeyHint = parse.GetValue(fromKeyHint) ?? Env.Get("RESTIC_FROM_KEY_HINT") };
            await using var source = await Repository.OpenAsync(ctx.OpenBackend(location), password, sourceOptions, ct);
            await using var destination = await ctx.OpenRepositoryAsync(ct);
            await using var sourceLock = await ctx.LockAsync(source, exclusive: false, ct, loadIndex: true);
            await using var destinationLock = await ctx.LockAsync(destination, exclusive: false, ct, loadIndex: true);

            var copy = new CopyOperation(source, destination);
            if (!copy.SameChunker)
                ctx.Error.WriteLine("Warning: the repositories use different chunker parameters: data will not deduplicate between them (create the destination with init --copy-chunker-params)");
            var snapshots = await StatsCommand.SelectSnapshotsAsync(source, parse.GetValue(ids) ?? [], filter.Get(parse), ct);
            await copy.RunAsync(snapshots,
                start =>
                {
                    ctx.Info($"\nsnapshot {start.Source.Id.ToShortString()} of [{string.Join(" ", start.Source.Paths ?? [])}] at {start.Source.Time.ToDateTimeOffset():yyyy-MM-dd HH:mm:ss.fffffff zzz})");
                    ctx.Info("  copy started, this may take a while...");
                },
                done =>
                {
                    if (done.ExistingCopy is { } existing)
                    {
                        if (ctx.Verbosity > 0) ctx.Info($"skipping source snapshot {done.Source.Id.ToShortString()}, was already copied to snapshot {existing.Id.ToShortString()}");
                    }
                    else ctx.Info($"snapshot {done.NewId!.Value.ToShortString()} saved");
                }, ct);
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    /// <summary>The source repository's password: --from-password-file, --from-password-command, else $RESTIC_FROM_PASSWORD.</summary>
    private static string SourcePassword(string? file, string? command, string? password)
    {
        var source = file is not null ? PasswordSource.FromFile(file, "source password", null, "give --from-password-file or set RESTIC_FROM_PASSWORD_FILE")
            : command is not null ? PasswordSource.FromCommand(command, "source password")
            : password is not null ? PasswordSource.FromEnvironment(password) : PasswordSource.None;
        password = source.Read();
        if (string.IsNullOrEmpty(password))
            throw new CliException("an empty source password is not allowed: set RESTIC_FROM_PASSWORD, --from-password-file or --from-password-command");
        return password;
    }
}
