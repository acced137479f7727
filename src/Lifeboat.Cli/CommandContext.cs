using System.CommandLine;
using System.Text;
using Lifeboat.Engine.Platform;
using Lifeboat.Engine.Repository;
using Lifeboat.Engine.Storage;
using Lifeboat.Stack.Configuration;
using Lifeboat.Stack.Hosting;

namespace Lifeboat.Cli;

/// <summary>
/// What a command needs from the global options: how to render (--json, --quiet, -v) and the repository, reached
/// through the host layer (<see cref="RepositoryAccess"/>) with the process environment, a terminal prompt for the
/// password and the terminal's rendering of retries, lock waits and warnings.
/// </summary>
public sealed class CommandContext
{
    private readonly GlobalOptions _options;

    /// <param name="job">A recorded job's completion: the lifeboat.yaml its recording already read is used, not read again.</param>
    public CommandContext(GlobalOptions options, ParseResult parse, JobCompletion? job = null)
    {
        _options = options;
        Parse = parse;
        var json = Json;
        var quiet = Quiet;
        var error = Error;
        var output = Out;
        Access = new RepositoryAccess(options.Request(parse), ResticEnvironment.Process)
        {
            Warn = Warn,
            BackendRetry = notice =>
            {
                lock (error)
                {
                    if (json) error.WriteLine(Rendering.JsonOutput.RetryLine(notice));
                    else error.WriteLine(notice.ToString());
                }
            },
            PromptPassword = confirm =>
            {
                if (!Posix.IsTerminal(0)) return null;
                var password = PromptHidden("enter password for repository: ");
                if (confirm && PromptHidden("enter password again: ") != password)
                    throw new CliException("passwords do not match");
                return password;
            },
            // restic's Verbosef: on stdout, not with --quiet, and not in JSON mode
            LockWaiting = message =>
            {
                if (!json && !quiet) output.WriteLine(message);
            },
        };
        if (job?.StackConfig is (var config, true)) Access.UseStackConfig(config);
    }

    public ParseResult Parse { get; }
    /// <summary>The repository as the options and the environment name it.</summary>
    public RepositoryAccess Access { get; }
    public bool Json => Parse.GetValue(_options.Json);
    public bool Quiet => Parse.GetValue(_options.Quiet);
    public int Verbosity => Parse.GetResult(_options.Verbose) is { } r && r.Tokens.Count == 0 && !r.Implicit ? Math.Max(1, Parse.GetValue(_options.Verbose)) : Parse.GetValue(_options.Verbose);
    public bool NoLock => Access.Request.NoLock;
    public TextWriter Out { get; } = Console.Out;
    public TextWriter Error { get; } = Console.Error;
    /// <summary>Progress is shown only on a terminal, and not with --quiet or --json.</summary>
    public bool ShowProgress => !Quiet && !Json && Posix.IsTerminal(1);

    /// <summary>Plain messages (not with --quiet, and on stderr with --json so stdout stays parseable).</summary>
    public void Info(string line)
    {
        if (Quiet) return;
        (Json ? Error : Out).WriteLine(line);
    }

    /// <summary>A warning that does not stop the command, on stderr (restic's Warnf).</summary>
    public void Warn(string message)
    {
        lock (Error) Error.WriteLine(message);
    }

    // ---- the repository, through the host layer ----

    /// <inheritdoc cref="RepositoryAccess.RepositoryGiven"/>
    public bool RepositoryGiven => Access.RepositoryGiven;
    /// <inheritdoc cref="RepositoryAccess.StackConfig"/>
    public StackConfig? StackConfig => Access.StackConfig;
    public string? LocateStackConfig() => Access.LocateStackConfig();
    /// <inheritdoc cref="RepositoryAccess.PasswordGiven"/>
    public bool PasswordGiven => Access.PasswordGiven;
    public string RepositoryLocation() => Access.RepositoryLocation();
    public IBackend OpenBackend(string location) => Access.OpenBackend(location);
    public IBackend OpenBackend(string location, string? credentialsFile) => Access.OpenBackend(location, credentialsFile);
    public IBackend OpenOffsiteBackend(StackConfig stack, OffsiteConfig offsite) => Access.OpenOffsiteBackend(stack, offsite);
    public string OffsitePassword(StackConfig stack, OffsiteConfig offsite) => Access.OffsitePassword(stack, offsite);
    public Task<Repository> OpenOffsiteRepositoryAsync(StackConfig stack, OffsiteConfig offsite, CancellationToken cancellationToken) =>
        Access.OpenOffsiteRepositoryAsync(stack, offsite, cancellationToken);
    public RepositoryOptions RepositoryOptions() => Access.RepositoryOptions();
    /// <summary>restic's order: --password-file, --password-command, $RESTIC_PASSWORD, the stack config's, else a prompt on a terminal.</summary>
    public string Password(bool confirm = false) => Access.Password(confirm);
    public string Password(StackConfig? stackConfig, bool confirm = false) => Access.Password(stackConfig, confirm);

    // ---- the local cache of remote repositories ----
    public bool NoCache => Access.Request.NoCache;
    public bool CleanupCache => Parse.GetValue(_options.CleanupCache);
    /// <inheritdoc cref="RepositoryAccess.CacheDirectory"/>
    public string CacheDirectory() => Access.CacheDirectory();
    internal string? CacheDirectoryError => Access.CacheDirectoryError;

    /// <summary>
    /// Opens the repository with a password, printing restic's confirmation line. The index is loaded by
    /// <see cref="LockAsync"/>, once the lock that protects it is written.
    /// </summary>
    public async Task<Repository> OpenRepositoryAsync(CancellationToken cancellationToken)
    {
        var repo = await Access.OpenRepositoryAsync(cancellationToken).ConfigureAwait(false);
        if (Verbosity > 0) Info($"repository {repo.Config.Id[..8]} opened (version {repo.Version}, compression level {RepositoryOptions().Compression.ToString().ToLowerInvariant()})");
        CacheReport.AfterOpen(this, repo, repo.IsLocal);
        return repo;
    }

    /// <summary>
    /// Locks the repository (not with --no-lock, nor when <paramref name="skipLock"/>), waiting as --retry-lock allows,
    /// and when asked loads its index under the lock (<see cref="RepositoryAccess.LockAsync"/>).
    /// </summary>
    /// <param name="whileLocking">Other read-only loading to do the same way (check's own index load).</param>
    public Task<RepositoryLock?> LockAsync(Repository repo, bool exclusive, CancellationToken cancellationToken,
        bool loadIndex = false, bool skipLock = false, Func<CancellationToken, Task>? whileLocking = null) =>
        Access.LockAsync(repo, new LockRequest(exclusive) { LoadIndex = loadIndex, Skip = skipLock, WhileLocking = whileLocking }, cancellationToken);

    /// <summary>Reads a line from the terminal without echoing it (passwords).</summary>
    internal static string PromptHidden(string text)
    {
        Console.Error.Write(text);
        var sb = new StringBuilder();
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter) break;
            if (key.Key == ConsoleKey.Backspace) { if (sb.Length > 0) sb.Length--; continue; }
            sb.Append(key.KeyChar);
        }
        Console.Error.WriteLine();
        return sb.ToString();
    }
}
