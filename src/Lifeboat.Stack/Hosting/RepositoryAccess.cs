using Lifeboat.Engine.Repository;
using Lifeboat.Engine.Storage;
using Lifeboat.Engine.Storage.Cache;
using Lifeboat.Stack.Configuration;

namespace Lifeboat.Stack.Hosting;

/// <summary>
/// Reaching a repository the way restic's global options do, for any front end (the command line, the daemon, the
/// dashboard): its location (-r, --repository-file, their variables, else the stack config), its password (restic's
/// order of sources, then the stack config's, then the caller's prompt), the backend with its settings, opening it,
/// and locking it (with --retry-lock) and loading the index under the lock. It prints nothing: what a front end shows
/// comes through the callbacks. Errors a user can cause are one-line <see cref="StackException"/>s.
/// </summary>
public sealed class RepositoryAccess(RepositoryRequest request, ResticEnvironment environment)
{
    public RepositoryRequest Request { get; } = request;
    public ResticEnvironment Environment { get; } = environment;

    /// <summary>A warning that does not stop the operation (restic's Warnf).</summary>
    public Action<string> Warn { get; init; } = _ => { };
    /// <summary>A backend operation failed and is tried again.</summary>
    public Action<RetryNotice>? BackendRetry { get; init; }
    /// <summary>
    /// Asks a person for the password when no source gives one (true: ask twice, for a new repository); null when no one
    /// can be asked. Null (the default): nobody to ask.
    /// </summary>
    public Func<bool, string?>? PromptPassword { get; init; }
    /// <summary>Told once that the repository is locked and the lock is waited for (--retry-lock).</summary>
    public Action<string>? LockWaiting { get; init; }

    private StackConfig? _stackConfig;
    private bool _stackConfigLooked;

    // ---- where the repository is ----

    /// <summary>True when -r, --repository-file or their environment variables name a repository: restic mode.</summary>
    public bool RepositoryGiven =>
        (Request.Repository ?? Environment.Get("RESTIC_REPOSITORY") ?? Request.RepositoryFile ?? Environment.Get("RESTIC_REPOSITORY_FILE")) is not null;

    /// <summary>
    /// Stack mode: the lifeboat.yaml in use (--config, $LIFEBOAT_CONFIG, ./lifeboat.yaml) when no repository is given;
    /// null otherwise. It supplies the repository, the password file or command, compression and pack size.
    /// </summary>
    public StackConfig? StackConfig
    {
        get
        {
            if (_stackConfigLooked) return _stackConfig;
            _stackConfigLooked = true;
            if (RepositoryGiven) return null;
            var path = LocateStackConfig();
            return _stackConfig = path is null ? null : StackConfigLoader.Load(path);
        }
    }

    /// <summary>Takes the stack config (or none) a caller already read for this same request, instead of reading it again.</summary>
    public void UseStackConfig(StackConfig? config)
    {
        _stackConfig = config;
        _stackConfigLooked = true;
    }

    /// <summary>The lifeboat.yaml named by --config or $LIFEBOAT_CONFIG, else ./lifeboat.yaml when it exists, else null; not read.</summary>
    public string? LocateStackConfig() =>
        StackConfigLoader.Locate(Request.StackConfigPath, Environment.GetExact(StackConfigLoader.EnvironmentVariable), Request.WorkingDirectory);

    /// <summary>The repository's location: -r or $RESTIC_REPOSITORY, else the file --repository-file or $RESTIC_REPOSITORY_FILE names, else the stack config's.</summary>
    public string RepositoryLocation()
    {
        var repo = Request.Repository ?? Environment.Get("RESTIC_REPOSITORY");
        var file = Request.RepositoryFile ?? Environment.Get("RESTIC_REPOSITORY_FILE");
        if (repo is null && file is null && StackConfig is { } stack) return stack.Repository;
        if (Request.Repository is not null && Request.RepositoryFile is not null)
            throw new RepositoryAccessException("Options -r and --repository-file are mutually exclusive, please specify only one");
        if (repo is null && file is not null)
        {
            try { repo = File.ReadAllText(file).Trim(); }
            catch (IOException e) { throw new RepositoryAccessException($"cannot read repository file {file}: {e.Message}"); }
        }
        if (string.IsNullOrEmpty(repo))
            throw new RepositoryAccessException("Please specify repository location (-r or --repository-file)");
        return repo;
    }

    // ---- the password ----

    /// <summary>
    /// A password given by option or environment that is used instead of the stack config's: in stack mode only an
    /// option naming the config's own file or command (the config wins over the variables), otherwise any of them.
    /// </summary>
    public bool PasswordGiven
    {
        get
        {
            bool optionGiven = (Request.PasswordFile ?? Request.PasswordCommand) is not null;
            if (StackConfig is { } stack && HasPasswordSource(stack)) return optionGiven;
            return optionGiven || (Environment.Get("RESTIC_PASSWORD_FILE") ?? Environment.Get("RESTIC_PASSWORD_COMMAND") ?? Environment.Get("RESTIC_PASSWORD")) is not null;
        }
    }

    private static bool HasPasswordSource(StackConfig stack) => (stack.PasswordFile ?? stack.PasswordCommand) is not null;

    /// <summary>
    /// restic's order: --password-file, --password-command, $RESTIC_PASSWORD (their variables in place of the options).
    /// In stack mode the config's password-file or password-command comes first: a RESTIC_PASSWORD_FILE, _COMMAND or
    /// RESTIC_PASSWORD exported for restic must not open the stack with another key (or make init look for a file that
    /// does not exist yet), and an option that names another password than the config's is refused, naming both.
    /// </summary>
    public PasswordSource PasswordSourceFor(StackConfig? stackConfig)
    {
        if (Request.PasswordFile is not null && Request.PasswordCommand is not null)
            throw new RepositoryAccessException("Password file and command are mutually exclusive options");
        if (stackConfig is { } stack && HasPasswordSource(stack))
            return StackPasswordSource(stack);
        var file = Request.PasswordFile ?? Environment.Get("RESTIC_PASSWORD_FILE");
        var command = Request.PasswordCommand ?? Environment.Get("RESTIC_PASSWORD_COMMAND");
        // the config's key is named in the error's advice anyway; an option or a variable is easily forgotten
        string namedBy = Request.PasswordFile is not null ? "--password-file" : "RESTIC_PASSWORD_FILE";
        if (file is not null) return PasswordSource.FromFile(file, namedBy: namedBy, elsewhere: "give --password-file or set RESTIC_PASSWORD_FILE");
        if (command is not null) return PasswordSource.FromCommand(command);
        return Environment.Get("RESTIC_PASSWORD") is { } password ? PasswordSource.FromEnvironment(password) : PasswordSource.None;
    }

    private PasswordSource StackPasswordSource(StackConfig stack)
    {
        string configKey = stack.PasswordFile is not null ? "password-file" : "password-command";
        string configValue = stack.PasswordFile ?? stack.PasswordCommand!;
        if (Request.PasswordFile is { } optionFile && (stack.PasswordFile is null || Path.GetFullPath(optionFile) != stack.PasswordFile))
            throw new RepositoryAccessException($"--password-file {optionFile} is not the stack's password: {stack.File} names it with {configKey} {(stack.PasswordFile is null ? "" : configValue)}".TrimEnd() +
                $"; leave out --password-file, or change {configKey} in {stack.File}");
        if (Request.PasswordCommand is { } optionCommand && optionCommand != stack.PasswordCommand)
            throw new RepositoryAccessException($"--password-command is not the stack's password: {stack.File} names it with {configKey}{(stack.PasswordFile is null ? "" : " " + configValue)}" +
                $"; leave out --password-command, or change {configKey} in {stack.File}");
        return stack.PasswordFile is { } file
            ? PasswordSource.FromFile(file, elsewhere: $"change password-file in {stack.File}")
            : PasswordSource.FromCommand(stack.PasswordCommand!);
    }

    /// <summary>The password by <see cref="PasswordSourceFor"/> for the stack config in use, else asked for.</summary>
    public string Password(bool confirm = false) => Password(StackConfig, confirm);

    /// <summary>The same, with this stack config's password-file or password-command when no password is given.</summary>
    public string Password(StackConfig? stackConfig, bool confirm = false)
    {
        // restic 0.17: a repository whose password is empty, opened and created only when asked for plainly
        if (Request.InsecureNoPassword)
        {
            if (PasswordSourceFor(stackConfig).Kind != PasswordSourceKind.None)
                throw new RepositoryAccessException("--insecure-no-password must not be specified together with providing a password via a cli option or environment variable");
            return "";
        }
        var password = PasswordSourceFor(stackConfig).Read() ?? PromptPassword?.Invoke(confirm);
        if (string.IsNullOrEmpty(password))
            throw new RepositoryAccessException("an empty password is not allowed: set RESTIC_PASSWORD, --password-file or --password-command");
        return password;
    }

    /// <summary>The offsite repository's password: its own password-file or -command, else the primary repository's.</summary>
    public string OffsitePassword(StackConfig stack, OffsiteConfig offsite)
    {
        if (!offsite.HasOwnPassword) return Password(stack);
        var source = offsite.PasswordFile is { } file
            ? PasswordSource.FromFile(file, "offsite password", elsewhere: $"change offsite.password-file in {stack.File}")
            : PasswordSource.FromCommand(offsite.PasswordCommand!);
        var password = source.Read()!;
        if (password.Length == 0)
            throw new RepositoryAccessException($"the password from {(source.Kind == PasswordSourceKind.File ? $"file {source.Location}" : "the password command")} is empty");
        return password;
    }

    // ---- the backend and the repository's options ----

    /// <summary>
    /// The backend a repository string names, with -o options, --cacert, limits and retry reporting; in stack mode the
    /// config's credentials-file supplies the storage credentials.
    /// </summary>
    public IBackend OpenBackend(string location) => OpenBackend(location, StackConfig?.CredentialsFile);

    public IBackend OpenBackend(string location, string? credentialsFile) => BackendFactory.Open(location, BackendSettings(credentialsFile));

    /// <summary>The stack's offsite repository's backend: its own credentials file, else the stack's.</summary>
    public IBackend OpenOffsiteBackend(StackConfig stack, OffsiteConfig offsite) =>
        OpenBackend(offsite.Repository, offsite.CredentialsFile ?? stack.CredentialsFile);

    public BackendSettings BackendSettings(string? credentialsFile = null)
    {
        // The stack's credentials file wins over the process environment: it is written for this stack's storage.
        var credentials = credentialsFile is null ? null : CredentialsFile.Load(credentialsFile);
        var extended = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var item in Request.ExtendedOptions)
        {
            int eq = item.IndexOf('=');
            if (eq <= 0) throw new RepositoryAccessException($"invalid option \"{item}\": want key=value");
            extended[item[..eq].Trim()] = item[(eq + 1)..].Trim();
        }
        var cacert = Request.CaCertificateFiles is { Count: > 0 } given ? given
            : Environment.Get("RESTIC_CACERT") is { Length: > 0 } fromEnv ? fromEnv.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : [];
        var environment = Environment;
        return new BackendSettings
        {
            Options = extended,
            Environment = credentials is null ? environment.Get : name => credentials.TryGetValue(name, out var value) ? value : environment.Get(name),
            CaCertificateFiles = cacert,
            UploadLimit = Limit(Request.UploadLimitKiB, "--limit-upload"),
            DownloadLimit = Limit(Request.DownloadLimitKiB, "--limit-download"),
            OnRetry = BackendRetry,
            Faults = FaultPlan.Parse(environment.Get(FaultPlan.EnvironmentVariable)),
            StuckRequestTimeout = Request.StuckRequestTimeout,
        };
    }

    private static long? Limit(int? kib, string name)
    {
        if (kib is null || kib == 0) return null;
        if (kib < 0) throw new RepositoryAccessException($"{name} must be a positive number of KiB/s");
        return kib * 1024L;
    }

    public RepositoryOptions RepositoryOptions()
    {
        var compression = Request.Compression ?? Environment.Get("RESTIC_COMPRESSION") ?? StackConfig?.Compression ?? "auto";
        var mode = compression.ToLowerInvariant() switch
        {
            "auto" => CompressionMode.Auto,
            "off" => CompressionMode.Off,
            "max" => CompressionMode.Max,
            "fastest" => CompressionMode.Fastest,
            "better" => CompressionMode.Better,
            _ => throw new RepositoryAccessException($"invalid compression mode \"{compression}\": choose auto, off, fastest, better or max"),
        };
        long packSize = Engine.Repository.RepositoryOptions.DefaultPackSize;
        var packSizeMiB = Request.PackSizeMiB ?? (Environment.Get("RESTIC_PACK_SIZE") is { } s
            ? (int.TryParse(s, out var v) ? v : throw new RepositoryAccessException($"invalid RESTIC_PACK_SIZE \"{s}\": want a number of MiB"))
            : StackConfig?.PackSizeMiB);
        if (packSizeMiB is { } mib)
        {
            packSize = (long)mib << 20;
            if (packSize < Engine.Repository.RepositoryOptions.MinPackSize || packSize > Engine.Repository.RepositoryOptions.MaxPackSize)
                throw new RepositoryAccessException($"pack size {mib} MiB is out of range: choose between 4 and 128 MiB");
        }
        return new RepositoryOptions
        {
            Compression = mode, PackSize = packSize, KeyHint = Request.KeyHint ?? Environment.Get("RESTIC_KEY_HINT"),
            CacheDirectory = RepositoryCacheDirectory(), Warn = Warn,
        };
    }

    // ---- the local cache of remote repositories ----

    /// <summary>The cache's base directory: --cache-dir, $LIFEBOAT_CACHE_DIR or $RESTIC_CACHE_DIR, else $XDG_CACHE_HOME/lifeboat or ~/.cache/lifeboat.</summary>
    /// <exception cref="IOException">None of these is set.</exception>
    public string CacheDirectory() => Request.CacheDirectory ?? Environment.Get("RESTIC_CACHE_DIR") ?? CacheDirectories.DefaultBase(Environment.Get);

    /// <summary>Why there is no cache directory although --no-cache was not given (no $HOME); to be said once a remote repository is opened.</summary>
    public string? CacheDirectoryError { get; private set; }

    /// <summary>The cache for a repository: none with --no-cache, nor when no base directory can be found (<see cref="CacheDirectoryError"/>).</summary>
    private string? RepositoryCacheDirectory()
    {
        if (Request.NoCache) return null;
        try { return CacheDirectory(); }
        catch (IOException e) { CacheDirectoryError = e.Message; return null; }
    }

    // ---- opening and locking ----

    /// <summary>Opens the repository with its password. The index is loaded by <see cref="LockAsync"/>, once the lock that protects it is written.</summary>
    public async Task<Repository> OpenRepositoryAsync(CancellationToken cancellationToken)
    {
        var location = RepositoryLocation();
        var backend = OpenBackend(location);
        string password;
        try { password = Password(); }
        catch { backend.Dispose(); throw; }
        return await Repository.OpenAsync(backend, password, RepositoryOptions(), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Opens the stack's offsite repository with its password.</summary>
    public async Task<Repository> OpenOffsiteRepositoryAsync(StackConfig stack, OffsiteConfig offsite, CancellationToken cancellationToken)
    {
        var backend = OpenOffsiteBackend(stack, offsite);
        try
        {
            return await Repository.OpenAsync(backend, OffsitePassword(stack, offsite), RepositoryOptions(), cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            backend.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Locks the repository (not with --no-lock, nor when the request skips it), waiting for another holder as long as
    /// --retry-lock allows, and when asked loads its index: after the lock file is written, while the lock waits for its
    /// re-check, so that the index read is one the lock protects (prune cannot have removed packs under it) and the
    /// 200 ms wait costs nothing. Null when no lock was taken.
    /// </summary>
    public async Task<RepositoryLock?> LockAsync(Repository repository, LockRequest lockRequest, CancellationToken cancellationToken)
    {
        var whileLocking = lockRequest.WhileLocking;
        if (lockRequest.LoadIndex)
        {
            var other = whileLocking;
            whileLocking = async ct =>
            {
                await repository.LoadIndexAsync(ct).ConfigureAwait(false);
                if (other is not null) await other(ct).ConfigureAwait(false);
            };
        }
        if (Request.NoLock || lockRequest.Skip)
        {
            if (whileLocking is not null) await whileLocking(cancellationToken).ConfigureAwait(false);
            return null;
        }
        var retry = Request.RetryLock > TimeSpan.Zero ? new LockRetryPolicy(Request.RetryLock) : null;
        return await LockRetry.AcquireAsync(repository, lockRequest.Exclusive, retry, whileLocking, LockWaiting, cancellationToken).ConfigureAwait(false);
    }
}
