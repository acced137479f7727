namespace Lifeboat.Engine.Platform;

/// <summary>A point in time as the kernel keeps it: seconds since the epoch (may be negative) and 0..999,999,999 ns.</summary>
public readonly record struct Timespec(long Seconds, long Nanoseconds)
{
    public static Timespec FromDateTimeOffset(DateTimeOffset time)
    {
        long ticks = time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
        long seconds = Math.DivRem(ticks, TimeSpan.TicksPerSecond, out long remainder);
        if (remainder < 0) { seconds--; remainder += TimeSpan.TicksPerSecond; }
        return new Timespec(seconds, remainder * 100);
    }

    /// <summary>Loses the last two digits of the nanoseconds (DateTimeOffset counts 100 ns ticks).</summary>
    public DateTimeOffset ToDateTimeOffset() =>
        DateTimeOffset.UnixEpoch.AddTicks(Seconds * TimeSpan.TicksPerSecond + Nanoseconds / 100);

    public override string ToString() => $"{Seconds}.{Nanoseconds:D9}";
}

/// <summary>POSIX st_mode bits (Linux values, the same on every architecture).</summary>
public static class FileModeBits
{
    public const uint TypeMask = 0xF000;     // S_IFMT
    public const uint Socket = 0xC000;       // S_IFSOCK
    public const uint Symlink = 0xA000;      // S_IFLNK
    public const uint Regular = 0x8000;      // S_IFREG
    public const uint BlockDevice = 0x6000;  // S_IFBLK
    public const uint Directory = 0x4000;    // S_IFDIR
    public const uint CharDevice = 0x2000;   // S_IFCHR
    public const uint Fifo = 0x1000;         // S_IFIFO
    public const uint SetUid = 0x800;        // S_ISUID
    public const uint SetGid = 0x400;        // S_ISGID
    public const uint Sticky = 0x200;        // S_ISVTX
    public const uint PermissionMask = 0xFFF; // 07777: rwx for all three plus setuid, setgid, sticky
}

/// <summary>What statx(AT_SYMLINK_NOFOLLOW) says about one entry.</summary>
public readonly struct FileStatus
{
    /// <summary>st_dev in glibc's makedev encoding, which is what restic 0.14 records as device_id.</summary>
    public ulong Device { get; init; }
    public ulong Inode { get; init; }
    /// <summary>POSIX st_mode: type bits plus 07777.</summary>
    public uint Mode { get; init; }
    public ulong Links { get; init; }
    public uint Uid { get; init; }
    public uint Gid { get; init; }
    /// <summary>st_rdev of a device node, glibc makedev encoding.</summary>
    public ulong RDevice { get; init; }
    public long Size { get; init; }
    /// <summary>Allocated 512-byte blocks (tells sparse files apart).</summary>
    public long Blocks { get; init; }
    public Timespec AccessTime { get; init; }
    public Timespec ModTime { get; init; }
    public Timespec ChangeTime { get; init; }

    public uint FileType => Mode & FileModeBits.TypeMask;
    /// <summary>Permission bits including setuid, setgid and sticky (07777).</summary>
    public uint Permissions => Mode & FileModeBits.PermissionMask;
    public bool IsDirectory => FileType == FileModeBits.Directory;
    public bool IsRegularFile => FileType == FileModeBits.Regular;
    public bool IsSymlink => FileType == FileModeBits.Symlink;
    public bool IsFifo => FileType == FileModeBits.Fifo;
    public bool IsSocket => FileType == FileModeBits.Socket;
    public bool IsCharDevice => FileType == FileModeBits.CharDevice;
    public bool IsBlockDevice => FileType == FileModeBits.BlockDevice;
}
