namespace Lifeboat.Engine.Model;

/// <summary>Go os.FileMode bits as restic stores them in a node's "mode" (not POSIX st_mode).</summary>
public static class GoFileMode
{
    public const uint Dir = 1u << 31, Append = 1u << 30, Exclusive = 1u << 29, Temporary = 1u << 28;
    public const uint Symlink = 1u << 27, Device = 1u << 26, NamedPipe = 1u << 25, Socket = 1u << 24, Setuid = 1u << 23,
        Setgid = 1u << 22, CharDevice = 1u << 21, Sticky = 1u << 20, Irregular = 1u << 19;
    public const uint Perm = 0x1FF; // 0777 (C# has no octal literals)
    /// <summary>Go's os.ModeType.</summary>
    public const uint TypeMask = Dir | Symlink | NamedPipe | Socket | Device | CharDevice | Irregular;
    /// <summary>What restic's NodeFromFileInfo keeps: Perm | ModeType | Setuid | Setgid | Sticky.</summary>
    public const uint KeptByRestic = Perm | TypeMask | Setuid | Setgid | Sticky;

    private const uint SIfMt = 0xF000, SIfSock = 0xC000, SIfLnk = 0xA000, SIfReg = 0x8000, SIfBlk = 0x6000,
        SIfDir = 0x4000, SIfChr = 0x2000, SIfIfo = 0x1000;
    private const uint SIsUid = 0x800, SIsGid = 0x400, SIsVtx = 0x200; // 04000, 02000, 01000

    /// <summary>
    /// POSIX st_mode to the Go mode restic 0.14 keeps, as Go 1.19's os.Lstat on Linux builds it. An unknown file type
    /// gets no type bits, as in Go 1.19 (which restic would then call a "file").
    /// </summary>
    public static uint FromPosix(uint stMode)
    {
        uint mode = stMode & Perm;
        switch (stMode & SIfMt)
        {
            case SIfBlk: mode |= Device; break;
            case SIfChr: mode |= Device | CharDevice; break;
            case SIfDir: mode |= Dir; break;
            case SIfIfo: mode |= NamedPipe; break;
            case SIfLnk: mode |= Symlink; break;
            case SIfSock: mode |= Socket; break;
            case SIfReg: break;
        }
        if ((stMode & SIsGid) != 0) mode |= Setgid;
        if ((stMode & SIsUid) != 0) mode |= Setuid;
        if ((stMode & SIsVtx) != 0) mode |= Sticky;
        return mode;
    }

    /// <summary>The 07777 POSIX permission bits (what chmod takes), as Go's syscallMode computes them.</summary>
    public static uint ToPosixPermissions(uint goMode)
    {
        uint p = goMode & Perm;
        if ((goMode & Setuid) != 0) p |= SIsUid;
        if ((goMode & Setgid) != 0) p |= SIsGid;
        if ((goMode & Sticky) != 0) p |= SIsVtx;
        return p;
    }

    /// <summary>Full POSIX st_mode (type bits and permissions); 0 type bits for irregular files.</summary>
    public static uint ToPosix(uint goMode)
    {
        uint type = (goMode & TypeMask) switch
        {
            Dir => SIfDir,
            Symlink => SIfLnk,
            Device | CharDevice => SIfChr,
            Device => SIfBlk,
            NamedPipe => SIfIfo,
            Socket => SIfSock,
            0 => SIfReg,
            _ => 0,
        };
        return type | ToPosixPermissions(goMode);
    }

    /// <summary>The restic node type for a mode (nodeTypeFromFileInfo), or null when the type bits make no known type.</summary>
    public static string? NodeTypeOf(uint goMode) => (goMode & TypeMask) switch
    {
        0 => NodeType.File,
        Dir => NodeType.Dir,
        Symlink => NodeType.Symlink,
        Device | CharDevice => NodeType.CharDev,
        Device => NodeType.Dev,
        NamedPipe => NodeType.Fifo,
        Socket => NodeType.Socket,
        Irregular => NodeType.Irregular,
        _ => null,
    };

    /// <summary>The type bits for a restic node type (as restic's Node.String uses them); 0 for files and unknown types.</summary>
    public static uint TypeBitsOf(string nodeType) => nodeType switch
    {
        NodeType.Dir => Dir,
        NodeType.Symlink => Symlink,
        NodeType.Dev => Device,
        NodeType.CharDev => Device | CharDevice,
        NodeType.Fifo => NamedPipe,
        NodeType.Socket => Socket,
        NodeType.Irregular => Irregular,
        _ => 0,
    };

    /// <summary>Go's FileMode.String(), e.g. "drwxr-xr-x"; setuid shows as a leading "u" ("urwxr-xr-x"), as Go prints it.</summary>
    public static string Format(uint goMode)
    {
        const string typeChars = "dalTLDpSugct?";
        Span<char> buf = stackalloc char[32];
        int w = 0;
        for (int i = 0; i < typeChars.Length; i++)
            if ((goMode & (1u << (31 - i))) != 0) buf[w++] = typeChars[i];
        if (w == 0) buf[w++] = '-';
        const string rwx = "rwxrwxrwx";
        for (int i = 0; i < 9; i++)
            buf[w++] = (goMode & (1u << (8 - i))) != 0 ? rwx[i] : '-';
        return new string(buf[..w]);
    }
}
