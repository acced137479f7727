using System.CommandLine;
using Lifeboat.Engine;
using Lifeboat.Stack.Hosting;

namespace Lifeboat.Cli;

/// <summary>The options every command takes, as restic names them.</summary>
public sealed class GlobalOptions
{
    public readonly Option<string?> Repo = new("--repo", "-r") { Description = "repository to back up to or restore from (default: $RESTIC_REPOSITORY)", Recursive = true };
    public readonly Option<string?> RepositoryFile = new("--repository-file") { Description = "file to read the repository location from (default: $RESTIC_REPOSITORY_FILE)", Recursive = true };
    public readonly Option<string?> PasswordFile = new("--password-file", "-p") { Description = "file to read the repository password from (default: $RESTIC_PASSWORD_FILE)", Recursive = true };
    public readonly Option<string?> PasswordCommand = new("--password-command") { Description = "shell command to obtain the repository password from (default: $RESTIC_PASSWORD_COMMAND)", Recursive = true };
    public readonly Option<string?> KeyHint = new("--key-hint") { Description = "key ID of key to try decrypting first (default: $RESTIC_KEY_HINT)", Recursive = true };
    public readonly Option<bool> Quiet = new("--quiet", "-q") { Description = "do not output comprehensive progress report", Recursive = true };
    public readonly Option<int> Verbose = new("--verbose", "-v") { Description = "be verbose (specify multiple times or a level using --verbose=n, max level/times is 2)", Recursive = true, Arity = ArgumentArity.ZeroOrOne, DefaultValueFactory = _ => 0 };
    public readonly Option<bool> Json = new("--json") { Description = "set output mode to JSON for commands that support it", Recursive = true };
    public readonly Option<bool> NoLock = new("--no-lock") { Description = "do not lock the repository, this allows some operations on read-only repositories", Recursive = true };
    public readonly Option<bool> NoCache = new("--no-cache") { Description = "do not use a local cache (the local backend needs none)", Recursive = true };
    public readonly Option<string?> CacheDir = new("--cache-dir") { Description = "set the cache directory (default: $RESTIC_CACHE_DIR, else ~/.cache/lifeboat)", Recursive = true };
    public readonly Option<bool> CleanupCache = new("--cleanup-cache") { Description = "auto remove old cache directories", Recursive = true };
    public readonly Option<string?> Compression = new("--compression") { Description = "compression mode (only available for repository format version 2), one of (auto|off|fastest|better|max) (default: $RESTIC_COMPRESSION)", Recursive = true };
    public readonly Option<bool> InsecureNoPassword = new("--insecure-no-password") { Description = "use an empty password for the repository, must be passed to every restic command (insecure)", Recursive = true };
    public readonly Option<int?> PackSize = new("--pack-size") { Description = "set target pack size in MiB, created pack files may be larger (default: $RESTIC_PACK_SIZE)", Recursive = true };
    public readonly Option<string?> Config = new("--config") { Description = "stack configuration to use when no repository is given (default: $LIFEBOAT_CONFIG, else ./lifeboat.yaml)", Recursive = true };
    public readonly Option<string[]> ExtendedOptions = new("--option", "-o") { Description = "set extended option (key=value, can be specified multiple times)", Recursive = true, AllowMultipleArgumentsPerToken = false };
    public readonly Option<string[]> CaCert = new("--cacert") { Description = "file to load root certificates from (default: use system certificates or $RESTIC_CACERT)", Recursive = true, AllowMultipleArgumentsPerToken = false };
    public readonly Option<int?> LimitUpload = new("--limit-upload") { Description = "limits uploads to a maximum rate in KiB/s. (default: unlimited)", Recursive = true };
    public readonly Option<int?> LimitDownload = new("--limit-download") { Description = "limits downloads to a maximum rate in KiB/s. (default: unlimited)", Recursive = true };
    public readonly Option<string?> StuckRequestTimeout = new("--stuck-request-timeout") { Description = "duration after which to retry stuck requests (default 5m0s)", Recursive = true };
    public readonly Option<string?> RetryLock = new("--retry-lock") { Description = "retry to lock the repository if it is already locked, takes a value like 5m or 2h (default: no retries)", Recursive = true };

    public void AddTo(RootCommand root)
    {
        foreach (var o in new Option[] { Repo, RepositoryFile, PasswordFile, PasswordCommand, KeyHint, Quiet, Verbose, Json, NoLock, NoCache, CacheDir, CleanupCache, Compression, PackSize, ExtendedOptions, CaCert, LimitUpload, LimitDownload, RetryLock, StuckRequestTimeout, Config, InsecureNoPassword })
            root.Options.Add(o);
    }

    /// <summary>The repository the options ask for, as the host layer takes it.</summary>
    public RepositoryRequest Request(ParseResult parse)
    {
        var retryLock = TimeSpan.Zero;
        if (parse.GetValue(RetryLock) is { } text && !GoDuration.TryParse(text, out retryLock))
            throw new CliException($"invalid argument \"{text}\" for \"--retry-lock\" flag: time: invalid duration \"{text}\"");
        TimeSpan? stuck = null;
        if (parse.GetValue(StuckRequestTimeout) is { } stuckText)
        {
            if (!GoDuration.TryParse(stuckText, out var parsed))
                throw new CliException($"invalid argument \"{stuckText}\" for \"--stuck-request-timeout\" flag: time: invalid duration \"{stuckText}\"");
            if (parsed <= TimeSpan.Zero) throw new CliException("--stuck-request-timeout must be greater than 0");
            stuck = parsed;
        }
        return new RepositoryRequest
        {
            Repository = parse.GetValue(Repo),
            RepositoryFile = parse.GetValue(RepositoryFile),
            PasswordFile = parse.GetValue(PasswordFile),
            PasswordCommand = parse.GetValue(PasswordCommand),
            KeyHint = parse.GetValue(KeyHint),
            InsecureNoPassword = parse.GetValue(InsecureNoPassword),
            StackConfigPath = parse.GetValue(Config),
            WorkingDirectory = System.Environment.CurrentDirectory,
            Compression = parse.GetValue(Compression),
            PackSizeMiB = parse.GetValue(PackSize),
            ExtendedOptions = parse.GetValue(ExtendedOptions) ?? [],
            CaCertificateFiles = parse.GetValue(CaCert) ?? [],
            UploadLimitKiB = parse.GetValue(LimitUpload),
            DownloadLimitKiB = parse.GetValue(LimitDownload),
            NoCache = parse.GetValue(NoCache),
            CacheDirectory = parse.GetValue(CacheDir),
            NoLock = parse.GetValue(NoLock),
            RetryLock = retryLock < TimeSpan.Zero ? TimeSpan.Zero : retryLock,
            StuckRequestTimeout = stuck,
        };
    }
}
