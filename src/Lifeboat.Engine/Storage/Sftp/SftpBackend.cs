using System.Buffers;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;

namespace Lifeboat.Engine.Storage.Sftp;

/// <summary>
/// A repository on an SFTP server, reached through the system's <c>ssh</c> (or <c>-o sftp.command</c>) as restic does it,
/// in restic's layout: the default (packs sharded into data/00..ff, created on init) or the older s3legacy one, detected.
/// <para>
/// Why our own SFTP client instead of SSH.NET: SSH.NET is an SSH implementation of its own and would not honour the
/// user's ~/.ssh/config (Host aliases, Port, IdentityFile, ProxyJump, known_hosts, ssh-agent, hardware keys). Running the
/// real ssh and speaking SFTP over its stdin and stdout (what restic does) keeps all of that, and SFTP v3 is small.
/// </para>
/// <para>
/// One ssh process carries up to <see cref="Connections"/> operations at once, each with many reads or writes in flight.
/// A lost session (ssh ended, sshd restarted) fails what was in flight as transient, and the next operation starts ssh
/// again. Saves go to a temporary name beside the target (restic's "-restic-temp-" suffix) and are renamed into place
/// with posix-rename@openssh.com when offered, so a reader never sees half a file. Files get restic's modes (0600, or
/// 0660 when the config file is group-readable; folders 0700 or 0770).
/// </para>
/// </summary>
public sealed class SftpBackend : IBackend
{
    private const uint FileMode = 0x180, GroupFileMode = 0x1B0, DirMode = 0x1C0, GroupDirMode = 0x1F8;
    /// <summary>Bytes of reads or writes in flight for one file.</summary>
    private const int WindowBytes = 4 * 1024 * 1024;

    private readonly SftpConfig _config;
    private readonly SshCommand _command;
    private readonly SemaphoreSlim _connectLock = new(1, 1);
    private readonly SemaphoreSlim _slots;
    private SftpClient? _client;
    private bool _layoutKnown;
    private bool _s3Legacy;
    private uint _fileMode = FileMode, _dirMode = DirMode;
    private int _disposed;

    public SftpBackend(string location, BackendSettings settings)
    {
        Location = BackendFactory.Redact(location);
        _config = SftpConfig.Parse(location);
        _command = SshCommand.Build(_config, settings.Option("sftp.command"), settings.Option("sftp.args"));
        Connections = settings.Connections("sftp", 5);
        _slots = new SemaphoreSlim(Connections, Connections);
        var timeout = settings.Option("sftp.timeout");
        if (timeout is not null)
        {
            if (!int.TryParse(timeout, out int seconds) || seconds < 1 || seconds > 86_400)
                throw BackendException.Permanent($"invalid option sftp.timeout=\"{timeout}\": want a number of seconds from 1 to 86400");
            Timeout = TimeSpan.FromSeconds(seconds);
        }
    }

    public string Location { get; }
    public int Connections { get; }
    public bool IsLocal => false;
    /// <summary>How long requests may wait for a silent server before the session is given up (<c>-o sftp.timeout=SECONDS</c>).</summary>
    public TimeSpan Timeout { get; } = TimeSpan.FromMinutes(2);
    public SftpConfig Config => _config;
    public SshCommand Command => _command;
    /// <summary>The ssh sessions started so far (a reconnect starts one more).</summary>
    public int SessionsStarted { get; private set; }

    private string Host => _config.Host == "" ? Location : _config.Display;

    private string Join(string relative)
    {
        var root = _config.Path;
        if (root == ".") return relative;
        return root.EndsWith('/') ? root + relative : root + "/" + relative;
    }

    private string FullPath(FileType type, string name) => Join(BackendPaths.RelativePath(type, name, _s3Legacy));

    private static string Parent(string path)
    {
        int slash = path.LastIndexOf('/');
        return slash < 0 ? "." : slash == 0 ? "/" : path[..slash];
    }

    // ---- connection ----

    private async Task<SftpClient> ClientAsync(CancellationToken ct)
    {
        var client = _client;
        if (client is not null && !client.IsClosed) return client;
        await _connectLock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
            client = _client;
            if (client is not null && !client.IsClosed) return client;
            client?.Dispose();
            _client = null;
            client = await SftpClient.ConnectAsync(_command.Program, _command.Args, Host, Timeout, ct).ConfigureAwait(false);
            SessionsStarted++;
            if (!_layoutKnown)
            {
                await DetectLayoutAsync(client, ct).ConfigureAwait(false);
                _layoutKnown = true;
            }
            _client = client;
            return client;
        }
        finally
        {
            _connectLock.Release();
        }
    }

    /// <summary>restic's auto-detection (s3legacy when there is "key" but no "keys") and its modes (group ones when the config is group-readable).</summary>
    private async Task DetectLayoutAsync(SftpClient client, CancellationToken ct)
    {
        var keys = TryStatAsync(client, Join("keys"), ct);
        var key = TryStatAsync(client, Join("key"), ct);
        var config = TryStatAsync(client, Join("config"), ct);
        await Task.WhenAll(keys, key, config).ConfigureAwait(false);
        _s3Legacy = keys.Result is null && key.Result is { IsDirectory: true };
        if (config.Result is { HasPermissions: true } c && (c.Permissions & 0x20) != 0)
        {
            _fileMode = GroupFileMode;
            _dirMode = GroupDirMode;
        }
    }

    private static async Task<SftpAttributes?> TryStatAsync(SftpClient client, string path, CancellationToken ct)
    {
        try
        {
            return await client.StatAsync(path, follow: false, ct).ConfigureAwait(false);
        }
        catch (SftpStatusException e) when (e.Status == SftpStatus.NoSuchFile)
        {
            return null;
        }
    }

    /// <summary>Runs one operation in a slot, on a live session, with every SFTP failure turned into the error contract's kinds.</summary>
    private async Task<T> RunAsync<T>(string verb, FileType type, string name, Func<SftpClient, Task<T>> operation, CancellationToken ct)
    {
        await _slots.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var client = await ClientAsync(ct).ConfigureAwait(false);
            return await operation(client).ConfigureAwait(false);
        }
        catch (SftpConnectionException e)
        {
            // As restic: a server never reached (wrong host or port, sshd not running) fails at once; one that was
            // reached and went away (restarted, network lost) is retried.
            bool permanent = e.Permanent || SessionsStarted == 0;
            throw new BackendException(permanent ? BackendErrorKind.Permanent : BackendErrorKind.Transient, e.Message, e);
        }
        catch (SftpStatusException e)
        {
            throw Map(e, verb, type, name);
        }
        finally
        {
            _slots.Release();
        }
    }

    private Task RunAsync(string verb, FileType type, string name, Func<SftpClient, Task> operation, CancellationToken ct) =>
        RunAsync<bool>(verb, type, name, async c => { await operation(c).ConfigureAwait(false); return true; }, ct);

    private BackendException Map(SftpStatusException e, string verb, FileType type, string name)
    {
        var what = name == "" ? $"repository {Location}" : $"{BackendPaths.Describe(type, name)} in repository {Location}";
        return e.Status switch
        {
            SftpStatus.NoSuchFile when name != "" => new BackendFileNotFoundException(type, name, Location),
            SftpStatus.PermissionDenied => BackendException.Permanent($"sftp: {verb} {what}: permission denied on {Host}; check the owner and modes of the folder", e),
            SftpStatus.OpUnsupported or SftpStatus.BadMessage or SftpStatus.NoSuchFile => BackendException.Permanent($"sftp: {verb} {what}: {e.Message}", e),
            _ => BackendException.Transient($"sftp: {verb} {what}: {e.Message}", e),
        };
    }

    // ---- IBackend ----

    public Task CreateAsync(CancellationToken cancellationToken) => RunAsync("create", FileType.Config, "", async client =>
    {
        if (await TryStatAsync(client, Join("config"), cancellationToken).ConfigureAwait(false) is not null)
            throw BackendException.Permanent($"repository {Location} already exists: it has a config file");
        _s3Legacy = false;
        _layoutKnown = true;
        _fileMode = FileMode;
        _dirMode = DirMode;
        await MakeDirectoriesAsync(client, _config.Path, cancellationToken).ConfigureAwait(false);
        var top = new[] { FileType.Key, FileType.Lock, FileType.Snapshot, FileType.Index, FileType.Pack }
            .Select(t => MakeDirectoryAsync(client, Join(BackendPaths.Folder(t, false)), cancellationToken));
        await Task.WhenAll(top).ConfigureAwait(false);
        // 256 MKDIRs in flight at once: one round trip's wait instead of 256.
        var shards = Enumerable.Range(0, 256).Select(i => MakeDirectoryAsync(client, Join($"data/{i:x2}"), cancellationToken));
        await Task.WhenAll(shards).ConfigureAwait(false);
    }, cancellationToken);

    /// <summary>MKDIR; an existing folder is fine.</summary>
    private async Task MakeDirectoryAsync(SftpClient client, string path, CancellationToken ct)
    {
        try
        {
            await client.MakeDirectoryAsync(path, _dirMode, ct).ConfigureAwait(false);
        }
        catch (SftpStatusException e) when (e.Status is SftpStatus.Failure or SftpStatus.PermissionDenied)
        {
            if (await TryStatAsync(client, path, ct).ConfigureAwait(false) is { IsDirectory: true }) return;
            throw;
        }
    }

    /// <summary>mkdir -p: the folder and any missing parents.</summary>
    private async Task MakeDirectoriesAsync(SftpClient client, string path, CancellationToken ct)
    {
        if (path is "." or "/" or "") return;
        if (await TryStatAsync(client, path, ct).ConfigureAwait(false) is { } existing)
        {
            if (existing.IsDirectory || !existing.HasPermissions) return;
            throw BackendException.Permanent($"sftp: {path} on {Host} exists and is not a folder");
        }
        await MakeDirectoriesAsync(client, Parent(path), ct).ConfigureAwait(false);
        await MakeDirectoryAsync(client, path, ct).ConfigureAwait(false);
    }

    public Task<long> StatAsync(FileType type, string name, CancellationToken cancellationToken) =>
        RunAsync("stat", type, name, async client =>
        {
            var attributes = await client.StatAsync(FullPath(type, name), follow: false, cancellationToken).ConfigureAwait(false);
            return checked((long)attributes.Size);
        }, cancellationToken);

    public Task ReadAsync(FileType type, string name, long offset, Memory<byte> destination, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        return RunAsync("load", type, name, async client =>
        {
            var handle = await client.OpenAsync(FullPath(type, name), SftpProtocol.OpenRead, null, cancellationToken).ConfigureAwait(false);
            try
            {
                await ReadRangeAsync(client, handle, offset, destination, type, name, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                // A read handle's CLOSE confirms nothing: not waiting for its reply saves a round trip per read.
                _ = client.CloseQuietlyAsync(handle);
            }
        }, cancellationToken);
    }

    public Task<byte[]> ReadAllAsync(FileType type, string name, CancellationToken cancellationToken) =>
        RunAsync("load", type, name, async client =>
        {
            var handle = await client.OpenAsync(FullPath(type, name), SftpProtocol.OpenRead, null, cancellationToken).ConfigureAwait(false);
            try
            {
                var attributes = await client.FstatAsync(handle, cancellationToken).ConfigureAwait(false);
                if (!attributes.HasSize || attributes.Size > (ulong)Array.MaxLength)
                    throw BackendException.Permanent($"sftp: {BackendPaths.Describe(type, name)} on {Host} has no size the server states or is too large to load whole");
                var data = new byte[(int)attributes.Size];
                await ReadRangeAsync(client, handle, 0, data, type, name, cancellationToken).ConfigureAwait(false);
                return data;
            }
            finally
            {
                _ = client.CloseQuietlyAsync(handle);
            }
        }, cancellationToken);

    /// <summary>Fills the range with many READs in flight; a short reply is followed up, an early end of file is an error.</summary>
    private static async Task ReadRangeAsync(SftpClient client, byte[] handle, long offset, Memory<byte> destination, FileType type, string name, CancellationToken ct)
    {
        int chunk = client.ReadChunk;
        int count = (destination.Length + chunk - 1) / chunk;
        if (count == 0) return;
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(ct);
        using var window = new SemaphoreSlim(Math.Max(4, WindowBytes / chunk));
        var parts = new List<Task>(count);
        try
        {
            for (int i = 0; i < count; i++)
            {
                await window.WaitAsync(failed.Token).ConfigureAwait(false);
                int start = i * chunk;
                var part = destination.Slice(start, Math.Min(chunk, destination.Length - start));
                parts.Add(ReadPartAsync(start, part));
            }
        }
        catch (OperationCanceledException)
        {
            // A part failed (its error is thrown below) or the caller cancelled (thrown below too).
        }
        // Every part has ended before the window and the token go away.
        var all = Task.WhenAll(parts);
        try
        {
            await all.ConfigureAwait(false);
        }
        catch
        {
        }
        if (all.IsFaulted) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(all.Exception!.InnerExceptions[0]);
        ct.ThrowIfCancellationRequested();
        if (all.IsCanceled) throw new OperationCanceledException();

        async Task ReadPartAsync(int start, Memory<byte> part)
        {
            try
            {
                int done = 0;
                while (done < part.Length)
                {
                    int n = await client.ReadAsync(handle, offset + start + done, part[done..], failed.Token).ConfigureAwait(false);
                    if (n == 0)
                        throw BackendException.Permanent($"{BackendPaths.Describe(type, name)} is shorter than expected: wanted {destination.Length} bytes at offset {offset}, the file ends before byte {offset + start + done + 1}");
                    done += n;
                }
            }
            catch
            {
                failed.Cancel();
                throw;
            }
            finally
            {
                window.Release();
            }
        }
    }

    public StagingFile CreateStagingFile(FileType type) => StagingFile.InTempDirectory();

    public Task SaveAsync(FileType type, string name, SaveSource source, CancellationToken cancellationToken) =>
        RunAsync("save", type, name, async client =>
        {
            var target = FullPath(type, name);
            var temp = target + "-restic-temp-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
            const uint flags = SftpProtocol.OpenWrite | SftpProtocol.OpenCreate | SftpProtocol.OpenExclusive;
            byte[] handle;
            try
            {
                handle = await client.OpenAsync(temp, flags, _fileMode, cancellationToken).ConfigureAwait(false);
            }
            catch (SftpStatusException e) when (e.Status == SftpStatus.NoSuchFile)
            {
                await MakeDirectoriesAsync(client, Parent(target), cancellationToken).ConfigureAwait(false);
                handle = await client.OpenAsync(temp, flags, _fileMode, cancellationToken).ConfigureAwait(false);
            }
            bool renamed = false;
            try
            {
                try
                {
                    // The mode set on the handle, like restic's Chmod, so the server's umask does not change it.
                    var mode = client.FsetPermissionsAsync(handle, _fileMode, cancellationToken);
                    long written;
                    try
                    {
                        written = await WriteAllAsync(client, handle, source, cancellationToken).ConfigureAwait(false);
                    }
                    catch
                    {
                        try { await mode.ConfigureAwait(false); } catch { }
                        throw;
                    }
                    await mode.ConfigureAwait(false);
                    if (written != source.Length)
                        throw BackendException.Transient($"sftp: save {BackendPaths.Describe(type, name)}: read {written} bytes of {source.Length} from its source");
                }
                finally
                {
                    await client.CloseQuietlyAsync(handle).ConfigureAwait(false);
                }
                try
                {
                    await client.RenameAsync(temp, target, cancellationToken).ConfigureAwait(false);
                }
                catch (SftpStatusException e) when (e.Status == SftpStatus.Failure && !client.Has(SftpProtocol.PosixRename))
                {
                    // Plain RENAME does not replace: the name is the content's hash, so what is there already is the same.
                    if (await TryStatAsync(client, target, cancellationToken).ConfigureAwait(false) is null) throw;
                }
                renamed = true;
            }
            catch (SftpStatusException e) when (e.Status == SftpStatus.Failure)
            {
                if (await IsDiskFullAsync(client, Parent(target), source.Length).ConfigureAwait(false))
                    throw BackendException.Permanent($"sftp: save {BackendPaths.Describe(type, name)} in repository {Location}: no space left on device on {Host}; free some space and run again", e);
                throw;
            }
            finally
            {
                if (!renamed && !client.IsClosed)
                {
                    try
                    {
                        using var cts = new CancellationTokenSource(Timeout);
                        await client.RemoveAsync(temp, cts.Token).ConfigureAwait(false);
                    }
                    catch (Exception e) when (e is SftpStatusException or SftpConnectionException or OperationCanceledException)
                    {
                    }
                }
            }
        }, cancellationToken);

    /// <summary>restic's checkNoSpace: OpenSSH reports a full disk as plain FAILURE, so statvfs@openssh.com decides.</summary>
    private async Task<bool> IsDiskFullAsync(SftpClient client, string directory, long size)
    {
        try
        {
            using var cts = new CancellationTokenSource(Timeout);
            var free = await client.FreeSpaceAsync(directory, cts.Token).ConfigureAwait(false);
            return free is { } f && (f.FreeInodes == 0 || f.FreeBytes < (ulong)size);
        }
        catch (Exception e) when (e is SftpStatusException or SftpConnectionException or OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>
    /// Sends the source with many WRITEs in flight (up to <see cref="WindowBytes"/>); returns the bytes sent. A write's
    /// buffer is free as soon as it is sent, so the window costs this process no memory (five uploads with a 4 MiB
    /// window each held 20-40 MB when every write kept its data until the reply).
    /// </summary>
    private static async Task<long> WriteAllAsync(SftpClient client, byte[] handle, SaveSource source, CancellationToken ct)
    {
        int chunk = client.WriteChunk;
        int window = Math.Max(4, WindowBytes / chunk);
        var inFlight = new Queue<Task>();
        long offset = 0;
        try
        {
            await using var stream = source.OpenRead();
            while (true)
            {
                if (inFlight.Count >= window) await inFlight.Dequeue().ConfigureAwait(false);
                var (n, reply) = await client.WriteFromAsync(handle, offset, stream, chunk, ct).ConfigureAwait(false);
                if (n == 0) break;
                inFlight.Enqueue(reply);
                offset += n;
            }
            while (inFlight.Count > 0) await inFlight.Dequeue().ConfigureAwait(false);
            return offset;
        }
        finally
        {
            // After a failure, observe what is still in flight (its failure is the same session's).
            foreach (var task in inFlight)
            {
                try { await task.ConfigureAwait(false); } catch { }
            }
        }
    }

    public Task DeleteAsync(FileType type, string name, CancellationToken cancellationToken) =>
        RunAsync("remove", type, name, async client =>
        {
            try
            {
                await client.RemoveAsync(FullPath(type, name), cancellationToken).ConfigureAwait(false);
            }
            catch (SftpStatusException e) when (e.Status == SftpStatus.NoSuchFile)
            {
            }
        }, cancellationToken);

    public async IAsyncEnumerable<BackendFile> ListAsync(FileType type, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (type == FileType.Config)
        {
            var config = await RunAsync("list", type, "", client => TryStatAsync(client, Join("config"), cancellationToken), cancellationToken).ConfigureAwait(false);
            if (config is { } c) yield return new BackendFile("config", (long)c.Size);
            yield break;
        }
        // The layout is known once connected: connect before choosing the folder.
        await RunAsync("list", type, "", _ => Task.CompletedTask, cancellationToken).ConfigureAwait(false);
        var folder = Join(BackendPaths.Folder(type, _s3Legacy));
        var top = await RunAsync("list", type, "", client => ListFolderAsync(client, folder, cancellationToken), cancellationToken).ConfigureAwait(false);
        var subfolders = new List<string>();
        foreach (var (name, attributes) in top)
        {
            if (attributes.IsDirectory)
            {
                if (type == FileType.Pack) subfolders.Add(folder + "/" + name);
                continue;
            }
            if (BackendPaths.IsValidName(name) && (attributes.IsRegular || !attributes.HasPermissions)) yield return new BackendFile(name, (long)attributes.Size);
        }
        // Shards are listed eight at a time over the one session: their round trips overlap.
        for (int i = 0; i < subfolders.Count; i += 8)
        {
            var batch = subfolders.Skip(i).Take(8).ToList();
            var listed = await RunAsync("list", type, "", client => Task.WhenAll(batch.Select(f => ListFolderAsync(client, f, cancellationToken))), cancellationToken).ConfigureAwait(false);
            foreach (var entries in listed)
                foreach (var (name, attributes) in entries)
                    if (BackendPaths.IsValidName(name) && (attributes.IsRegular || !attributes.HasPermissions)) yield return new BackendFile(name, (long)attributes.Size);
        }
    }

    /// <summary>A folder's entries; a missing folder has none.</summary>
    private static async Task<List<(string Name, SftpAttributes Attributes)>> ListFolderAsync(SftpClient client, string folder, CancellationToken ct)
    {
        try
        {
            return await client.ReadDirectoryAsync(folder, ct).ConfigureAwait(false);
        }
        catch (SftpStatusException e) when (e.Status == SftpStatus.NoSuchFile)
        {
            return [];
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _client?.Dispose();
        _client = null;
    }
}
