namespace Lifeboat.Engine.Storage.Sftp;

/// <summary>The numbers of SFTP version 3 (draft-ietf-secsh-filexfer-02), the version OpenSSH speaks.</summary>
internal static class SftpProtocol
{
    public const uint Version = 3;

    public const byte Init = 1, VersionReply = 2, Open = 3, Close = 4, Read = 5, Write = 6, Lstat = 7, Fstat = 8,
        Setstat = 9, Fsetstat = 10, Opendir = 11, Readdir = 12, Remove = 13, Mkdir = 14, Rmdir = 15, Realpath = 16,
        Stat = 17, Rename = 18, Status = 101, Handle = 102, Data = 103, Name = 104, Attrs = 105, Extended = 200,
        ExtendedReply = 201;

    public const uint OpenRead = 0x01, OpenWrite = 0x02, OpenCreate = 0x08, OpenTruncate = 0x10, OpenExclusive = 0x20;

    public const uint AttrSize = 0x01, AttrUidGid = 0x02, AttrPermissions = 0x04, AttrAcModTime = 0x08, AttrExtended = 0x80000000;

    public const string PosixRename = "posix-rename@openssh.com";
    public const string StatVfs = "statvfs@openssh.com";
    public const string Limits = "limits@openssh.com";
}

/// <summary>SSH_FX_* status codes.</summary>
internal enum SftpStatus : uint
{
    Ok = 0,
    Eof = 1,
    NoSuchFile = 2,
    PermissionDenied = 3,
    Failure = 4,
    BadMessage = 5,
    NoConnection = 6,
    ConnectionLost = 7,
    OpUnsupported = 8,
}

/// <summary>A server's status reply other than OK: its code and its own message.</summary>
internal sealed class SftpStatusException(SftpStatus status, string serverMessage)
    : Exception($"{Describe(status)}{(serverMessage.Length > 0 && serverMessage != Describe(status) ? $" ({serverMessage})" : "")}")
{
    public SftpStatus Status { get; } = status;

    public static string Describe(SftpStatus status) => status switch
    {
        SftpStatus.Eof => "end of file",
        SftpStatus.NoSuchFile => "no such file",
        SftpStatus.PermissionDenied => "permission denied",
        SftpStatus.Failure => "failure",
        SftpStatus.BadMessage => "bad message",
        SftpStatus.NoConnection => "no connection",
        SftpStatus.ConnectionLost => "connection lost",
        SftpStatus.OpUnsupported => "operation unsupported",
        _ => $"status {(uint)status}",
    };
}

/// <summary>The channel to the server is gone or the server broke the protocol: nothing more can be sent on it.</summary>
internal sealed class SftpConnectionException(string message, bool permanent = false, Exception? inner = null, bool ended = false) : Exception(message, inner)
{
    /// <summary>The ssh process's output ended: why is in its stderr.</summary>
    public bool Ended { get; } = ended;

    /// <summary>True when trying again cannot help (host key, authentication, no sftp subsystem, no ssh program).</summary>
    public bool Permanent { get; } = permanent;
}

/// <summary>The attributes the backend uses; the rest are skipped.</summary>
internal readonly record struct SftpAttributes(uint Flags, ulong Size, uint Permissions)
{
    public bool HasSize => (Flags & SftpProtocol.AttrSize) != 0;
    public bool HasPermissions => (Flags & SftpProtocol.AttrPermissions) != 0;
    private const uint TypeMask = 0xF000;
    public bool IsDirectory => HasPermissions && (Permissions & TypeMask) == 0x4000;
    public bool IsRegular => HasPermissions && (Permissions & TypeMask) == 0x8000;
}
