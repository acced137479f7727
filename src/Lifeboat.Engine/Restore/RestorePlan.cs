using Lifeboat.Engine.Repository;

namespace Lifeboat.Engine.Restore;

/// <summary>
/// What the planner decided and the later stages carry out: the directories and files, and by pack which blobs go to
/// which offsets of which files. Kept compact, as restic's peak memory is the bar: an item is its parent directory's
/// number plus its name (full paths were 40 of the 68 MB a 50,000-file plan held), files and directories are structs
/// in paged arrays, and a blob shared by several places is found by sorting its pack's list rather than through a
/// dictionary of every blob.
/// </summary>
internal sealed class RestorePlan
{
    /// <param name="root">The directory the plan's directory 0 stands for (the target, or a node's parent).</param>
    public RestorePlan(string root)
    {
        Root = root;
        Directories.Add(new PlannedDirectory { Parent = -1, Name = "" });
    }

    public string Root { get; }

    /// <summary>Directory 0 is <see cref="Root"/>; it is never removed and gets no metadata.</summary>
    public PagedList<PlannedDirectory> Directories { get; } = new();

    public PagedList<PlannedFile> Files { get; } = new();

    /// <summary>
    /// By pack, the blobs planned since the content stage last took them (<see cref="TakePacks"/>); all of them when
    /// nothing takes them (a dry run, or a look at the plan alone).
    /// </summary>
    public Dictionary<Id, List<PlannedBlob>> Packs { get; private set; } = [];

    /// <summary>The packs planned so far, for the content stage; planning goes on into an empty set.</summary>
    public Dictionary<Id, List<PlannedBlob>> TakePacks()
    {
        var taken = Packs;
        Packs = [];
        return taken;
    }

    /// <summary>Directory numbers, children before their parents: the order their metadata is applied in.</summary>
    public List<int> MetadataOrder { get; } = [];

    /// <summary>Hard links to make once their original file is complete.</summary>
    public List<(int Dir, string Name, int Original)> Links { get; } = [];

    public int AddDirectory(int parent, string name) => Directories.Add(new PlannedDirectory { Parent = parent, Name = name });

    public string DirectoryPath(int dir)
    {
        if (dir == 0) return Root;
        // the root "/" contributes only the leading slash of its first child
        int prefix = Root == "/" ? 0 : Root.Length;
        int length = prefix;
        for (int d = dir; d != 0; d = Directories[d].Parent) length += 1 + Directories[d].Name.Length;
        return string.Create(length, (this, dir, prefix), static (span, state) =>
        {
            var (self, d, prefix) = state;
            int end = span.Length;
            for (; d != 0; d = self.Directories[d].Parent)
            {
                var name = self.Directories[d].Name;
                end -= name.Length;
                name.CopyTo(span[end..]);
                span[--end] = '/';
            }
            self.Root.AsSpan(0, prefix).CopyTo(span);
        });
    }

    public string FilePath(int file) => FsNames.Join(DirectoryPath(Files[file].Dir), Files[file].Name);

    /// <summary>A path below <see cref="Root"/> (from <see cref="FilePath"/> or <see cref="DirectoryPath"/>) relative to it.</summary>
    public string RelativePath(string path) => path[(Root == "/" ? 1 : Root.Length + 1)..];
}
