using System.CommandLine;
using Lifeboat.Engine.Repository;
using Lifeboat.Stack.Hosting;

namespace Lifeboat.Cli.Commands;

/// <summary>
/// restic's secondary repository: --from-repo, --from-repository-file, --from-password-file, --from-password-command
/// and --from-key-hint, each defaulting to its $RESTIC_FROM_* variable (copy's source, init's --copy-chunker-params).
/// </summary>
internal sealed class SourceRepositoryOptions
{
    private readonly Option<string?> _repo = new("--from-repo") { Description = "source repository to copy snapshots from (default: $RESTIC_FROM_REPOSITORY)" };
    private readonly Option<string?> _repoFile = new("--from-repository-file") { Description = "file from which to read the source repository location (default: $RESTIC_FROM_REPOSITORY_FILE)" };
    private readonly Option<string?> _passwordFile = new("--from-password-file") { Description = "file to read the source repository password from (default: $RESTIC_FROM_PASSWORD_FILE)" };
    private readonly Option<string?> _passwordCommand = new("--from-password-command") { Description = "shell command to obtain the source repository password from (default: $RESTIC_FROM_PASSWORD_COMMAND)" };
    private readonly Option<string?> _keyHint = new("--from-key-hint") { Description = "key ID of key to try decrypting the source repository first (default: $RESTIC_FROM_KEY_HINT)" };

    public void AddTo(Command command)
    {
        foreach (var option in new[] { _repo, _repoFile, _passwordFile, _passwordCommand, _keyHint }) command.Options.Add(option);
    }

    private string? Location(ParseResult parse) => parse.GetValue(_repo) ?? Env.Get("RESTIC_FROM_REPOSITORY");
    private string? LocationFile(ParseResult parse) => parse.GetValue(_repoFile) ?? Env.Get("RESTIC_FROM_REPOSITORY_FILE");

    /// <summary>Whether a source repository is named, by an option or its variable.</summary>
    public bool Given(ParseResult parse) => Location(parse) is not null || LocationFile(parse) is not null;

    /// <summary>Opens the source repository with its own password and key hint, the other settings as the destination's.</summary>
    public async Task<Repository> OpenAsync(CommandContext ctx, ParseResult parse, CancellationToken cancellationToken)
    {
        var location = Location(parse);
        if (location is null && LocationFile(parse) is { } locationFile)
        {
            try { location = File.ReadAllText(locationFile).Trim(); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new CliException($"cannot read source repository file {locationFile}: {e.Message}"); }
        }
        if (string.IsNullOrEmpty(location))
            throw new CliException("Please specify a source repository location (--from-repo or --from-repository-file)");
        var password = Password(parse.GetValue(_passwordFile) ?? Env.Get("RESTIC_FROM_PASSWORD_FILE"),
            parse.GetValue(_passwordCommand) ?? Env.Get("RESTIC_FROM_PASSWORD_COMMAND"), Env.Get("RESTIC_FROM_PASSWORD"));
        var options = ctx.RepositoryOptions() with { KeyHint = parse.GetValue(_keyHint) ?? Env.Get("RESTIC_FROM_KEY_HINT") };
        return await Repository.OpenAsync(ctx.OpenBackend(location), password, options, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The source repository's password: --from-password-file, --from-password-command, else $RESTIC_FROM_PASSWORD.</summary>
    private static string Password(string? file, string? command, string? password)
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
