using System.Text;
using Lifeboat.Engine;
using Lifeboat.Engine.Chunking;
using Lifeboat.Engine.Crypto;
using Lifeboat.Engine.Model;
using Lifeboat.Engine.Repository;

namespace Lifeboat.Fuzz.Tests;

/// <summary>Valid encodings of every format, written by the engine's own writers: the starting points for mutation.</summary>
public static class Seeds
{
    private static readonly GoTime Time = GoTime.FromUnix(1_700_000_000, 123_456_789);

    private static Id IdOf(string s) => Id.Hash(Encoding.UTF8.GetBytes(s));

    private static Node File(string name, int blobs) => new()
    {
        Name = name, Type = NodeType.File, Mode = 0x1A4, Size = (ulong)blobs * 1000, Links = 1, Uid = 1000, Gid = 1000, User = "u", Group = "g",
        Inode = 42, DeviceId = 7, ModTime = Time, AccessTime = Time, ChangeTime = Time,
        Content = [.. Enumerable.Range(0, blobs).Select(i => IdOf(name + i))],
    };

    public static IReadOnlyList<byte[]> Trees { get; } =
    [
        new Tree([File("a", 1), File("b", 3)]).ToJson(),
        new Tree([
            File("file", 2),
            new Node { Name = "dir", Type = NodeType.Dir, Mode = 0x800001ED, ModTime = Time, AccessTime = Time, ChangeTime = Time, Subtree = IdOf("sub") },
            new Node { Name = "link", Type = NodeType.Symlink, Mode = 0x080001FF, LinkTarget = "../target", ModTime = Time, AccessTime = Time, ChangeTime = Time, Links = 1 },
            new Node { Name = "dev", Type = NodeType.Dev, Mode = 0x040001A4, Device = 2049, ModTime = Time, AccessTime = Time, ChangeTime = Time },
            new Node
            {
                Name = "x\u00e9\n\u0001", Type = NodeType.File, Mode = 0x1A4, ModTime = Time, AccessTime = Time, ChangeTime = Time, Content = [],
                ExtendedAttributes = [new ExtendedAttribute("user.k", [1, 2, 3])],
            },
        ]).ToJson(),
        "{\"nodes\":[]}\n"u8.ToArray(),
        "{\"nodes\":null}\n"u8.ToArray(),
    ];

    public static IReadOnlyList<byte[]> Snapshots { get; } =
    [
        new Snapshot { Time = Time, Tree = IdOf("root"), Paths = ["/srv/data"], Hostname = "host", Username = "user", Uid = 1000, Gid = 1000 }.ToJson(),
        new Snapshot
        {
            Time = Time, Parent = IdOf("parent"), Tree = IdOf("root"), Paths = ["/a", "/b"], Hostname = "h", Excludes = ["*.tmp"], Tags = ["daily", "app:x"],
            Original = IdOf("orig"), ProgramVersion = "restic 0.17.0",
            Summary = new SnapshotSummary { BackupStart = Time, BackupEnd = Time, FilesNew = 3, DataAdded = 123456789, TotalBytesProcessed = 1 },
        }.ToJson(),
    ];

    public static IReadOnlyList<byte[]> Indexes { get; } = MakeIndexes();

    private static IReadOnlyList<byte[]> MakeIndexes()
    {
        var index = new IndexFile();
        index.Supersedes.Add(IdOf("old"));
        index.Packs.Add((IdOf("p1"), [new PackedBlob(IdOf("b1"), BlobType.Data, 0, 100, 0), new PackedBlob(IdOf("b2"), BlobType.Tree, 100, 50, 70)]));
        index.Packs.Add((IdOf("p2"), [new PackedBlob(IdOf("b3"), BlobType.Data, 0, 4096, 8192)]));
        var old = "[{\"id\":\"" + IdOf("p3") + "\",\"blobs\":[{\"id\":\"" + IdOf("b4") + "\",\"type\":\"data\",\"offset\":0,\"length\":10}]}]";
        return [index.ToJson(), Encoding.UTF8.GetBytes(old)];
    }

    public static IReadOnlyList<byte[]> PackHeaders { get; } =
    [
        PackHeader.EncodePlain([new PackedBlob(IdOf("d"), BlobType.Data, 0, 1000, 0), new PackedBlob(IdOf("t"), BlobType.Tree, 1000, 300, 900)]),
        PackHeader.EncodePlain([.. Enumerable.Range(0, 20).Select(i => new PackedBlob(IdOf("b" + i), (BlobType)(i % 2), 0, (uint)(100 + i), i % 3 == 0 ? 0u : 500u))]),
    ];

    public static IReadOnlyList<byte[]> Locks { get; } =
    [
        new LockInfo(Time, true, "host", "user", 1234, 1000, 1000).ToJson(),
        new LockInfo(Time, false, "h\u00e9", "", 1, 0, 0).ToJson(),
    ];

    public static IReadOnlyList<byte[]> Configs { get; } =
    [
        RepositoryConfig.New(2, new Polynomial(0x3DA3358B4DC173)).ToJson(),
        RepositoryConfig.New(1, new Polynomial(0x3DA3358B4DC173)).ToJson(),
    ];

    public static CryptoKey MasterKey { get; } = CryptoKey.NewRandom();

    public static IReadOnlyList<byte[]> KeyFiles { get; } =
    [
        KeyFile.Create(MasterKey, "pw", (1024, 8, 1), "user", "host").ToJson(),
        KeyFile.Create(MasterKey, "pw", (2, 1, 1), null, null).ToJson(),
    ];

    public static IReadOnlyList<byte[]> MasterKeys { get; } = [KeyFile.MasterKeyJson(MasterKey)];

    public static IReadOnlyList<byte[]> StackConfigs { get; } =
    [
        """
        repository: /srv/backup/repo
        password-file: /etc/lifeboat/password
        host: server1
        retention:
          keep-daily: 7
          keep-weekly: 4
        apps:
          wiki:
            paths: [/srv/wiki/data]
            containers: [wiki]
        """u8.ToArray(),
        """
        repository: /srv/backup/repo
        password-file: password
        apps:
          mail:
            paths:
              - /srv/mail
            exclude: ["*.tmp", cache]
          git:
            paths: [/srv/git]
        schedule:
          backup: "0 3 * * *"
          check: "0 5 * * 0"
        """u8.ToArray(),
    ];
}
