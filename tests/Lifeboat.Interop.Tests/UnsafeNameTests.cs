using System.Text;
using Lifeboat.Engine;
using Lifeboat.Engine.Model;
using Lifeboat.Engine.Platform;
using Lifeboat.Engine.Repository;
using Lifeboat.TestSupport;
using static Lifeboat.Interop.Tests.Interop;

namespace Lifeboat.Interop.Tests;

/// <summary>A crafted repository whose trees hold names that would escape the target: the restore writes nothing outside it.</summary>
public sealed class UnsafeNameTests
{
    [Fact]
    public async Task Restore_RejectsEscapingNames_AndWritesNothingOutsideTheTarget()
    {
        using var work = new TempDirectory("lifeboat-unsafe");
        var parent = work.Combine("a");
        var target = work.Combine("a/target");
        var outside = work.Combine("outside");
        Directory.CreateDirectory(parent);
        Directory.CreateDirectory(outside);
        string marker = "lifeboat-escape-" + Guid.NewGuid().ToString("n");
        string etcMarker = "/etc/" + marker;

        var repoPath = work.Combine("repo");
        Id rootTree;
        await using (var repo = await InitAsync(repoPath, 2))
        {
            var content = Encoding.UTF8.GetBytes("payload\n");
            var blob = Id.Hash(content);
            await repo.SaveBlobAsync(BlobType.Data, blob, content, Ct);

            Node File(string name) => new()
            {
                Name = name, Type = NodeType.File, Mode = 0x1A4, Size = (ulong)content.Length, Links = 1, Content = [blob],
                ModTime = GoTime.FromUnix(1_600_000_000, 0), AccessTime = GoTime.FromUnix(1_600_000_000, 0), ChangeTime = GoTime.FromUnix(1_600_000_000, 0),
            };
            // Trees are written raw, in the given order: a hostile repository may hold duplicate and unsorted names,
            // which Tree.ToJson refuses to write.
            async Task<Id> RawTree(IEnumerable<Node> children)
            {
                var json = new List<byte>("{\"nodes\":["u8.ToArray());
                bool first = true;
                foreach (var child in children)
                {
                    if (!first) json.Add((byte)',');
                    first = false;
                    json.AddRange(child.ToJson());
                }
                json.AddRange("]}\n"u8.ToArray());
                var bytes = json.ToArray();
                var id = Id.Hash(bytes);
                await repo.SaveBlobAsync(BlobType.Tree, id, bytes, Ct);
                return id;
            }
            async Task<Node> Dir(string name, params Node[] children)
            {
                var id = await RawTree(children);
                return new Node
                {
                    Name = name, Type = NodeType.Dir, Mode = 0x800001ED, Subtree = id,
                    ModTime = GoTime.FromUnix(1_600_000_000, 0), AccessTime = GoTime.FromUnix(1_600_000_000, 0), ChangeTime = GoTime.FromUnix(1_600_000_000, 0),
                };
            }

            var nodes = new List<Node>
            {
                File("ok.txt"),
                await Dir("..", File(marker)),
                File("../" + marker + "-file"),
                File("a/b"),
                await Dir("/etc", File(marker)),
                File(etcMarker + "-file"),
                File("."),
                File(""),
                await Dir("sub", File(".."), File("inner.txt"), await Dir("..", await Dir("..", File(marker)))),
                // A symlink to the outside, then a directory of the same name: the directory must not follow the link.
                new Node
                {
                    Name = "link", Type = NodeType.Symlink, Mode = 0x080001FF, LinkTarget = outside,
                    ModTime = GoTime.FromUnix(1_600_000_000, 0), AccessTime = GoTime.FromUnix(1_600_000_000, 0), ChangeTime = GoTime.FromUnix(1_600_000_000, 0),
                },
                await Dir("link", File(marker)),
            };
            rootTree = await RawTree(nodes);
            await repo.FlushAsync(Ct);
            await repo.SaveSnapshotAsync(new Snapshot { Time = GoTime.Now(), Tree = rootTree, Paths = ["/crafted"], Hostname = "crafted", Username = "root" }, Ct);
        }

        try
        {
            await using var reopened = await OpenAsync(repoPath);
            var snapshot = await reopened.FindSnapshotAsync("latest", null, Ct);
            var (restorer, errors) = await RestoreAsync(reopened, snapshot.Tree, target);

            // Every unsafe name is reported.
            foreach (var bad in new[] { "..", "../" + marker + "-file", "a/b", "/etc", etcMarker + "-file", ".", "" })
                Assert.True(errors.Items.Any(i => i.Error.Message.Contains($"\"{bad}\"")), $"unsafe name \"{bad}\" was not reported:\n{errors}");
            Assert.True(errors.Items.Count(i => i.Error.Message.Contains("\"..\"")) >= 3, errors.ToString()); // top, sub/.. file, sub/.. dir
            Assert.True(restorer.Statistics.Errors >= 9);

            // Nothing outside the target.
            Assert.Equal(["target"], Directory.GetFileSystemEntries(parent).Select(Path.GetFileName));
            Assert.Empty(Directory.GetFileSystemEntries(outside));
            Assert.Equal(["a", "outside", "repo"], Directory.GetFileSystemEntries(work.Path).Select(Path.GetFileName).Order());
            Assert.False(Posix.TryLStat(etcMarker, out _, out _), $"{etcMarker} was written");
            Assert.False(Posix.TryLStat(etcMarker + "-file", out _, out _), $"{etcMarker}-file was written");
            Assert.False(Posix.TryLStat("/" + marker, out _, out _));

            // What is safe is restored.
            Assert.Equal("payload\n", System.IO.File.ReadAllText(Path.Combine(target, "ok.txt")));
            Assert.Equal("payload\n", System.IO.File.ReadAllText(Path.Combine(target, "sub/inner.txt")));
            Assert.True(Posix.TryLStat(Path.Combine(target, "link"), out var linkStatus, out _) && linkStatus.IsDirectory);
            Assert.Equal(["link", "ok.txt", "sub"], Directory.GetFileSystemEntries(target).Select(Path.GetFileName).Order());
            Assert.Equal(["inner.txt"], Directory.GetFileSystemEntries(Path.Combine(target, "sub")).Select(Path.GetFileName));
        }
        finally
        {
            foreach (var leaked in new[] { etcMarker + "/" + marker, etcMarker, etcMarker + "-file", "/" + marker })
                if (Posix.TryLStat(leaked, out var st, out _)) { if (st.IsDirectory) FileTrees.Remove(leaked); else Posix.Unlink(leaked); }
        }
    }
}
