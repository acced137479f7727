using System.Buffers.Binary;
using System.Collections.Concurrent;

namespace Lifeboat.Engine.Storage.Sftp;

/// <summary>
/// A compact SFTP version 3 client over an ssh child's stdin and stdout. Requests are pipelined: each carries an id,
/// many are in flight at once, and one reader hands each reply to the request with its id. That is what makes SFTP fast
/// over a link with latency (restic's pkg/sftp sends reads and writes concurrently in the same way).
/// <para>
/// Everything the server sends is bounded: a packet longer than <see cref="MaxPacket"/> ends the session, every length
/// inside a packet is checked against the packet, a reply with an unknown id ends the session, and a server that stays
/// silent while requests wait for <see cref="Timeout"/> ends it too. When the session ends, every waiting request fails
/// with one <see cref="SftpConnectionException"/> naming ssh's reason.
/// </para>
/// </summary>
internal sealed class SftpClient : IDisposable
{
    /// <summary>The largest packet accepted from a server (OpenSSH sends at most 256 KiB).</summary>
    public const int MaxPacket = 1024 * 1024;
    /// <summary>The read and write size used when the server states no limits (SFTP's traditional 32 KiB).</summary>
    public const int DefaultChunk = 32 * 1024;
    /// <summary>The largest read and write size used even when the server allows more.</summary>
    public const int MaxChunk = 255 * 1024;

    private readonly SshProcess _ssh;
    private readonly string _display;
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly ConcurrentDictionary<uint, TaskCompletionSource<byte[]>> _pending = new();
    // READs in flight whose DATA the reader copies straight into the caller's buffer (see ReadAsync)
    private readonly ConcurrentDictionary<uint, PendingRead> _reads = new();
    // the reply of a READ whose data was delivered into its buffer
    private static readonly byte[] s_delivered = [SftpProtocol.Data];
    private readonly Timer _watchdog;
    private readonly TaskCompletionSource<SftpConnectionException> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private uint _nextId;
    private long _lastActivity = Environment.TickCount64;
    private bool _established;
    private int _disposed;

    private SftpClient(SshProcess ssh, string display, TimeSpan timeout)
    {
        _ssh = ssh;
        _display = display;
        Timeout = timeout;
        var period = TimeSpan.FromMilliseconds(Math.Clamp(timeout.TotalMilliseconds / 4, 100, 5000));
        _watchdog = new Timer(_ => CheckSilence(), null, period, period);
    }

    public TimeSpan Timeout { get; }
    public IReadOnlyDictionary<string, string> Extensions { get; private set; } = new Dictionary<string, string>();
    public int ReadChunk { get; private set; } = DefaultChunk;
    public int WriteChunk { get; private set; } = DefaultChunk;
    public bool IsClosed => _closed.Task.IsCompleted;
    public bool Has(string extension) => Extensions.ContainsKey(extension);

    /// <summary>Starts ssh and the SFTP session (INIT, VERSION), and asks OpenSSH's limits when offered.</summary>
    public static async Task<SftpClient> ConnectAsync(string program, IReadOnlyList<string> args, string display, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var ssh = SshProcess.Start(program, args, display);
        var client = new SftpClient(ssh, display, timeout);
        try
        {
            await client.HandshakeAsync(cancellationToken).ConfigureAwait(false);
            return client;
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    private async Task HandshakeAsync(CancellationToken cancellationToken)
    {
        var init = new SftpWriter(SftpProtocol.Init).UInt32(SftpProtocol.Version);
        // VERSION has no request id: it is read here, before the reader starts.
        var versionTask = ReadVersionAsync();
        Volatile.Write(ref _lastActivity, Environment.TickCount64);
        try
        {
            await WriteAsync(init.Packet(), cancellationToken).ConfigureAwait(false);
        }
        catch (IOException)
        {
            // ssh ended before the session started: its reason comes from the version read below.
        }
        byte[] version;
        try
        {
            version = await versionTask.WaitAsync(Timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            _ssh.Kill();
            throw new SftpConnectionException($"sftp: ssh to {_display} failed: no SFTP answer within {Timeout.TotalSeconds:0} s", permanent: false);
        }
        catch (SftpConnectionException e) when (e.Ended)
        {
            throw await ClassifyEndAsync().ConfigureAwait(false);
        }
        ParseVersion(version);
        _established = true;
        _ = Task.Run(ReadLoopAsync, CancellationToken.None);

        int read = DefaultChunk, write = DefaultChunk;
        if (Has(SftpProtocol.Limits))
        {
            var w = Request(SftpProtocol.Extended, out uint id).String(SftpProtocol.Limits);
            var reply = await SendAsync(id, w, cancellationToken).ConfigureAwait(false);
            if (reply[0] == SftpProtocol.ExtendedReply)
            {
                var r = Body(reply);
                r.UInt64(); // the largest packet: ours is bounded by MaxPacket either way
                ulong maxRead = r.UInt64(), maxWrite = r.UInt64();
                read = (int)Math.Clamp(maxRead == 0 ? DefaultChunk : maxRead, 1024, MaxChunk);
                write = (int)Math.Clamp(maxWrite == 0 ? DefaultChunk : maxWrite, 1024, MaxChunk);
            }
        }
        ReadChunk = read;
        WriteChunk = write;
    }

    private void ParseVersion(byte[] packet)
    {
        var r = new SftpReader(packet);
        if (r.Byte() != SftpProtocol.VersionReply) throw Protocol("the server did not answer INIT with VERSION");
        uint version = r.UInt32();
        if (version < SftpProtocol.Version) throw Protocol($"the server speaks SFTP version {version}; version 3 is needed");
        var extensions = new Dictionary<string, string>(StringComparer.Ordinal);
        while (r.Remaining > 0)
        {
            var name = r.String();
            var data = r.String();
            extensions[name] = data;
        }
        Extensions = extensions;
    }

    private SftpConnectionException Protocol(string what)
    {
        var e = new SftpConnectionException($"sftp: {_display}: {what}", permanent: true);
        Close(e);
        return e;
    }

    private async Task<byte[]> ReadVersionAsync()
    {
        var header = new byte[4];
        await ReadExactlyAsync(header).ConfigureAwait(false);
        uint length = BinaryPrimitives.ReadUInt32BigEndian(header);
        if (length is 0 or > 64 * 1024) throw Protocol($"the server sent a VERSION packet of {length} bytes (at most 65536 are accepted)");
        var body = new byte[length];
        await ReadExactlyAsync(body).ConfigureAwait(false);
        return body;
    }

    private async Task ReadExactlyAsync(Memory<byte> buffer)
    {
        int done = 0;
        while (done < buffer.Length)
        {
            int n;
            try
            {
                n = await _ssh.Output.ReadAsync(buffer[done..]).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException)
            {
                throw new SftpConnectionException("sftp: ssh ended", inner: e, ended: true);
            }
            if (n == 0) throw new SftpConnectionException("sftp: ssh ended", ended: true);
            done += n;
            Volatile.Write(ref _lastActivity, Environment.TickCount64);
        }
    }

    private async Task ReadLoopAsync()
    {
        try
        {
            var header = new byte[4];
            // one buffer for every packet: a download's replies are copied from it into their readers' buffers
            // (a new array per 255 KiB reply made the collector's large-object heap the cost of a download)
            var packet = new byte[64 * 1024];
            while (true)
            {
                await ReadExactlyAsync(header).ConfigureAwait(false);
                uint length = BinaryPrimitives.ReadUInt32BigEndian(header);
                if (length < 5 || length > MaxPacket)
                    throw Protocol($"the server sent a packet of {length} bytes (at most {MaxPacket} are accepted)");
                if (packet.Length < length) packet = new byte[Math.Min(MaxPacket, Math.Max(length, 2 * packet.Length))];
                await ReadExactlyAsync(packet.AsMemory(0, (int)length)).ConfigureAwait(false);
                uint id = BinaryPrimitives.ReadUInt32BigEndian(packet.AsSpan(1));
                if (!_pending.TryRemove(id, out var waiter))
                    throw Protocol($"the server answered request {id}, which was never sent");
                if (_reads.TryRemove(id, out var read) && packet[0] == SftpProtocol.Data)
                {
                    if (length < 9) throw Protocol("the server sent a DATA packet without its length");
                    uint n = BinaryPrimitives.ReadUInt32BigEndian(packet.AsSpan(5));
                    if (n > length - 9) throw Protocol($"the server sent a DATA packet claiming {n} bytes in {length - 9}");
                    read.Deliver(packet.AsSpan(9, (int)n));
                    waiter.TrySetResult(s_delivered);
                }
                else waiter.TrySetResult(packet.AsSpan(0, (int)length).ToArray());
            }
        }
        catch (SftpConnectionException)
        {
            Close(await ClassifyEndAsync().ConfigureAwait(false));
        }
        catch (Exception e)
        {
            Close(new SftpConnectionException($"sftp: connection to {_display} failed: {e.Message}", inner: e));
        }
    }

    /// <summary>Why the session ended, from ssh's stderr: before the session began that is usually permanent (host key, auth).</summary>
    private async Task<SftpConnectionException> ClassifyEndAsync()
    {
        if (_closed.Task.IsCompleted) return await _closed.Task.ConfigureAwait(false);
        var lines = await _ssh.ExitAndStderrAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
        var reason = SshProcess.Reason(lines);
        if (!_established)
        {
            bool transient = SshProcess.IsTransientReason(reason);
            return new SftpConnectionException(
                $"sftp: ssh to {_display} failed: {reason ?? "ssh ended before the SFTP session started (is the sftp subsystem enabled?)"}",
                permanent: !transient);
        }
        return new SftpConnectionException($"sftp: connection to {_display} lost{(reason is null ? "" : ": " + reason)}");
    }

    private void Close(SftpConnectionException reason)
    {
        if (!_closed.TrySetResult(reason)) reason = _closed.Task.Result;
        _ssh.Kill();
        foreach (var id in _pending.Keys)
            if (_pending.TryRemove(id, out var waiter)) waiter.TrySetException(reason);
    }

    private void CheckSilence()
    {
        if (_closed.Task.IsCompleted || _pending.IsEmpty) return;
        if (Environment.TickCount64 - Volatile.Read(ref _lastActivity) < Timeout.TotalMilliseconds) return;
        Close(new SftpConnectionException($"sftp: no answer from {_display} for {Timeout.TotalSeconds:0} s; the connection is given up"));
    }

    /// <summary>A new request: its type and a fresh id written, the rest to be added by the caller.</summary>
    public SftpWriter Request(byte type, out uint id, int capacity = 256)
    {
        id = Interlocked.Increment(ref _nextId);
        return new SftpWriter(type, capacity).UInt32(id);
    }

    /// <summary>Sends a request and waits for its reply (the whole packet: type, id, payload).</summary>
    public async Task<byte[]> SendAsync(uint id, SftpWriter request, CancellationToken cancellationToken)
    {
        var reply = await StartAsync(id, request.Packet(), cancellationToken).ConfigureAwait(false);
        return await reply.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Sends a finished packet and returns the task of its reply, without waiting for it: once this returns, the
    /// packet's buffer is free again.
    /// </summary>
    private async Task<Task<byte[]>> StartAsync(uint id, ReadOnlyMemory<byte> packet, CancellationToken cancellationToken)
    {
        if (_closed.Task.IsCompleted) throw await _closed.Task.ConfigureAwait(false);
        var waiter = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (_pending.IsEmpty) Volatile.Write(ref _lastActivity, Environment.TickCount64);
        _pending[id] = waiter;
        if (_closed.Task.IsCompleted && _pending.TryRemove(id, out _)) throw await _closed.Task.ConfigureAwait(false);
        try
        {
            await WriteAsync(packet, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            _pending.TryRemove(id, out _);
            throw;
        }
        catch (IOException)
        {
            // ssh is gone: the reader sees the end and fails this request with ssh's reason.
            _ssh.Kill();
        }
        return waiter.Task;
    }

    private async Task WriteAsync(ReadOnlyMemory<byte> packet, CancellationToken cancellationToken)
    {
        await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _ssh.Input.WriteAsync(packet, CancellationToken.None).ConfigureAwait(false);
            await _ssh.Input.FlushAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (ObjectDisposedException e)
        {
            throw new IOException("ssh's input is closed", e);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <summary>A reader over a reply's payload, after its type and id.</summary>
    public static SftpReader Body(byte[] reply) => new(reply.AsSpan(5));

    /// <summary>Throws for a STATUS reply other than OK; returns for OK.</summary>
    public static void ExpectOk(byte[] reply)
    {
        if (reply[0] != SftpProtocol.Status) throw new SftpConnectionException($"sftp: unexpected reply type {reply[0]}");
        var r = Body(reply);
        var code = (SftpStatus)r.UInt32();
        if (code == SftpStatus.Ok) return;
        throw new SftpStatusException(code, r.Remaining >= 4 ? r.String() : "");
    }

    /// <summary>For replies that must be <paramref name="type"/>; a STATUS instead becomes its exception.</summary>
    public static void Expect(byte[] reply, byte type)
    {
        if (reply[0] == type) return;
        if (reply[0] == SftpProtocol.Status)
        {
            ExpectOk(reply);
            throw new SftpConnectionException("sftp: the server answered OK where data was expected");
        }
        throw new SftpConnectionException($"sftp: unexpected reply type {reply[0]}");
    }

    // ---- operations ----

    public async Task<byte[]> OpenAsync(string path, uint flags, uint? permissions, CancellationToken ct)
    {
        var w = Request(SftpProtocol.Open, out uint id).String(path).UInt32(flags).Attributes(permissions);
        var reply = await SendAsync(id, w, ct).ConfigureAwait(false);
        return HandleOf(reply);
    }

    /// <summary>A HANDLE reply's handle; servers use a few bytes (OpenSSH 4), more than 256 is refused.</summary>
    private byte[] HandleOf(byte[] reply)
    {
        Expect(reply, SftpProtocol.Handle);
        var handle = Body(reply).Bytes();
        if (handle.Length > 256) throw Protocol($"the server sent a handle of {handle.Length} bytes");
        return handle.ToArray();
    }

    public async Task CloseHandleAsync(byte[] handle, CancellationToken ct)
    {
        var w = Request(SftpProtocol.Close, out uint id).String(handle);
        ExpectOk(await SendAsync(id, w, ct).ConfigureAwait(false));
    }

    /// <summary>One READ: the bytes the server sent (at most <paramref name="length"/>), or 0 at the end of the file.</summary>
    public async Task<int> ReadAsync(byte[] handle, long offset, Memory<byte> destination, CancellationToken ct)
    {
        var w = Request(SftpProtocol.Read, out uint id).String(handle).UInt64((ulong)offset).UInt32((uint)destination.Length);
        var read = new PendingRead(destination);
        _reads[id] = read;
        try
        {
            var reply = await SendAsync(id, w, ct).ConfigureAwait(false);
            if (ReferenceEquals(reply, s_delivered))
            {
                int received = read.Received;
                if (received < 0) throw Protocol($"the server sent more bytes than the {destination.Length} a read asked for");
                return received;
            }
            if (reply[0] == SftpProtocol.Status)
            {
                var r = Body(reply);
                var code = (SftpStatus)r.UInt32();
                if (code == SftpStatus.Eof) return 0;
                throw new SftpStatusException(code, r.Remaining >= 4 ? r.String() : "");
            }
            throw Protocol($"unexpected reply type {reply[0]} to a READ");
        }
        finally
        {
            // from here on the buffer is its owner's again: a late reply (after a cancellation) must not write into it
            read.Abandon();
            _reads.TryRemove(id, out _);
        }
    }

    /// <summary>A READ's destination, filled by the reader unless its owner has given up on it.</summary>
    private sealed class PendingRead(Memory<byte> destination)
    {
        private readonly Lock _lock = new();
        private bool _abandoned;

        /// <summary>The bytes delivered; -1 when the server sent more than asked.</summary>
        public int Received { get; private set; }

        public void Deliver(ReadOnlySpan<byte> data)
        {
            lock (_lock)
            {
                if (_abandoned) return;
                if (data.Length > destination.Length) { Received = -1; return; }
                data.CopyTo(destination.Span);
                Received = data.Length;
            }
        }

        public void Abandon()
        {
            lock (_lock) _abandoned = true;
        }
    }

    /// <summary>
    /// Sends one WRITE of up to <paramref name="chunk"/> bytes read from <paramref name="source"/> straight into a pooled
    /// packet, which is back in the pool once sent: many writes can wait for their replies while holding no memory (an
    /// upload's window lives in the pipe and the server, not here). Returns the bytes sent (0 at the source's end:
    /// nothing sent) and the task of the server's reply.
    /// </summary>
    public async Task<(int Length, Task Reply)> WriteFromAsync(byte[] handle, long offset, Stream source, int chunk, CancellationToken ct)
    {
        int header = 4 + 1 + 4 + 4 + handle.Length + 8 + 4;
        var packet = System.Buffers.ArrayPool<byte>.Shared.Rent(header + chunk);
        try
        {
            int n = await source.ReadAtLeastAsync(packet.AsMemory(header, chunk), chunk, throwOnEndOfStream: false, ct).ConfigureAwait(false);
            if (n == 0) return (0, Task.CompletedTask);
            uint id = Interlocked.Increment(ref _nextId);
            var span = packet.AsSpan();
            BinaryPrimitives.WriteUInt32BigEndian(span, (uint)(header - 4 + n));
            span[4] = SftpProtocol.Write;
            BinaryPrimitives.WriteUInt32BigEndian(span[5..], id);
            BinaryPrimitives.WriteUInt32BigEndian(span[9..], (uint)handle.Length);
            handle.CopyTo(span[13..]);
            int at = 13 + handle.Length;
            BinaryPrimitives.WriteUInt64BigEndian(span[at..], (ulong)offset);
            BinaryPrimitives.WriteUInt32BigEndian(span[(at + 8)..], (uint)n);
            var reply = await StartAsync(id, packet.AsMemory(0, header + n), ct).ConfigureAwait(false);
            return (n, ExpectOkAsync(reply, ct));
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(packet);
        }
    }

    private static async Task ExpectOkAsync(Task<byte[]> reply, CancellationToken ct) =>
        ExpectOk(await reply.WaitAsync(ct).ConfigureAwait(false));

    public async Task<SftpAttributes> StatAsync(string path, bool follow, CancellationToken ct)
    {
        var w = Request(follow ? SftpProtocol.Stat : SftpProtocol.Lstat, out uint id).String(path);
        var reply = await SendAsync(id, w, ct).ConfigureAwait(false);
        Expect(reply, SftpProtocol.Attrs);
        return Body(reply).Attributes();
    }

    public async Task<SftpAttributes> FstatAsync(byte[] handle, CancellationToken ct)
    {
        var w = Request(SftpProtocol.Fstat, out uint id).String(handle);
        var reply = await SendAsync(id, w, ct).ConfigureAwait(false);
        Expect(reply, SftpProtocol.Attrs);
        return Body(reply).Attributes();
    }

    public async Task FsetPermissionsAsync(byte[] handle, uint permissions, CancellationToken ct)
    {
        var w = Request(SftpProtocol.Fsetstat, out uint id).String(handle).Attributes(permissions);
        ExpectOk(await SendAsync(id, w, ct).ConfigureAwait(false));
    }

    /// <summary>The entries of a directory (names without "." and ".."), with their attributes.</summary>
    public async Task<List<(string Name, SftpAttributes Attributes)>> ReadDirectoryAsync(string path, CancellationToken ct)
    {
        var w = Request(SftpProtocol.Opendir, out uint id).String(path);
        var reply = await SendAsync(id, w, ct).ConfigureAwait(false);
        var handle = HandleOf(reply);
        var entries = new List<(string, SftpAttributes)>();
        try
        {
            while (true)
            {
                var rw = Request(SftpProtocol.Readdir, out uint rid).String(handle);
                var names = await SendAsync(rid, rw, ct).ConfigureAwait(false);
                if (names[0] == SftpProtocol.Status)
                {
                    var s = Body(names);
                    var code = (SftpStatus)s.UInt32();
                    if (code == SftpStatus.Eof) break;
                    throw new SftpStatusException(code, s.Remaining >= 4 ? s.String() : "");
                }
                Expect(names, SftpProtocol.Name);
                ParseNames(names, entries);
            }
        }
        finally
        {
            await CloseQuietlyAsync(handle).ConfigureAwait(false);
        }
        return entries;
    }

    private void ParseNames(byte[] reply, List<(string, SftpAttributes)> entries)
    {
        var r = Body(reply);
        uint count = r.UInt32();
        // Each entry takes at least 12 bytes: a count beyond that is a lie.
        if (count > (uint)r.Remaining / 12) throw Protocol("the server sent a NAME with more entries than bytes");
        for (uint i = 0; i < count; i++)
        {
            var name = r.String();
            r.Bytes(); // long name
            var attributes = r.Attributes();
            if (name is "." or "..") continue;
            entries.Add((name, attributes));
        }
    }

    /// <summary>Closes a handle, ignoring a failure (the handle is of no use either way).</summary>
    public async Task CloseQuietlyAsync(byte[] handle)
    {
        try
        {
            using var cts = new CancellationTokenSource(Timeout);
            await CloseHandleAsync(handle, cts.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SftpStatusException or SftpConnectionException or OperationCanceledException)
        {
        }
    }

    public async Task MakeDirectoryAsync(string path, uint permissions, CancellationToken ct)
    {
        var w = Request(SftpProtocol.Mkdir, out uint id).String(path).Attributes(permissions);
        ExpectOk(await SendAsync(id, w, ct).ConfigureAwait(false));
    }

    public async Task RemoveAsync(string path, CancellationToken ct)
    {
        var w = Request(SftpProtocol.Remove, out uint id).String(path);
        ExpectOk(await SendAsync(id, w, ct).ConfigureAwait(false));
    }

    /// <summary>posix-rename@openssh.com when offered (replaces the target atomically), else RENAME (fails when the target exists).</summary>
    public async Task RenameAsync(string from, string to, CancellationToken ct)
    {
        SftpWriter w;
        uint id;
        if (Has(SftpProtocol.PosixRename)) w = Request(SftpProtocol.Extended, out id).String(SftpProtocol.PosixRename).String(from).String(to);
        else w = Request(SftpProtocol.Rename, out id).String(from).String(to);
        ExpectOk(await SendAsync(id, w, ct).ConfigureAwait(false));
    }

    /// <summary>statvfs@openssh.com: bytes available to the user and free inodes, or null when the server cannot say.</summary>
    public async Task<(ulong FreeBytes, ulong FreeInodes)?> FreeSpaceAsync(string path, CancellationToken ct)
    {
        if (!Has(SftpProtocol.StatVfs)) return null;
        var w = Request(SftpProtocol.Extended, out uint id).String(SftpProtocol.StatVfs).String(path);
        var reply = await SendAsync(id, w, ct).ConfigureAwait(false);
        if (reply[0] != SftpProtocol.ExtendedReply) return null;
        var r = Body(reply);
        r.UInt64(); // bsize
        ulong frsize = r.UInt64();
        r.UInt64(); r.UInt64(); // blocks, bfree
        ulong bavail = r.UInt64();
        r.UInt64(); r.UInt64(); // files, ffree
        ulong favail = r.UInt64();
        return (frsize * bavail, favail);
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _watchdog.Dispose();
        _closed.TrySetResult(new SftpConnectionException($"sftp: the connection to {_display} was closed"));
        foreach (var id in _pending.Keys)
            if (_pending.TryRemove(id, out var waiter)) waiter.TrySetException(_closed.Task.Result);
        _ssh.Dispose();
    }
}
