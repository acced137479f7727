using Lifeboat.Engine.Platform;
using Lifeboat.Engine.Restore;
using Lifeboat.TestSupport;

namespace Lifeboat.Engine.Tests.Restore;

/// <summary>
/// <see cref="DirectoryCreator"/> on its own, fed in the planner's order (depth first, a directory's removal after its
/// children's) faster than it makes directories: every directory is made, an emptied subtree goes whole, and one that
/// cannot be made takes only its own subtree.
/// </summary>
public sealed class DirectoryCreatorTests : IDisposable
{
    private readonly TempDirectory _target = new();

    public void Dispose() => _target.Dispose();

    private sealed class Walk(RestorePlan plan, DirectoryCreator creator)
    {
        public int Made;

        /// <summary>A chain <paramref name="depth"/> deep with <paramref name="leaves"/> empty directories at each level; removed again when not kept.</summary>
        public void Chain(int parent, string path, string name, int depth, int leaves, bool keep)
        {
            int number = plan.AddDirectory(parent, name);
            var own = path + "/" + name;
            creator.Make(number, parent, own);
            Made++;
            for (int leaf = 0; leaf < leaves; leaf++)
            {
                int l = plan.AddDirectory(number, $"leaf{leaf}");
                creator.Make(l, number, $"{own}/leaf{leaf}");
                Made++;
                if (!keep) creator.Remove(l, $"{own}/leaf{leaf}");
            }
            if (depth > 1) Chain(number, own, $"d{depth - 1}", depth - 1, leaves, keep);
            if (!keep) creator.Remove(number, own);
        }
    }

    [Fact]
    public void Every_directory_is_made_and_emptied_subtrees_are_removed_whole()
    {
        var plan = new RestorePlan(_target.Path);
        using var root = Posix.OpenDirectory(_target.Path);
        var errors = new ErrorList();
        int made;
        using (var creator = new DirectoryCreator(root, plan, new ItemFailures(new RestoreStatistics(), errors)))
        {
            var walk = new Walk(plan, creator);
            // 300 chains 6 deep with 3 leaves per level (7,200 directories, more than the queue holds); every third
            // one is removed again as a filter that selects nothing in it would have it
            for (int top = 0; top < 300; top++) walk.Chain(0, _target.Path, $"top{top:000}", 6, 3, keep: top % 3 != 0);
            creator.Drain();
            Assert.False(creator.AnyFailed);
            made = walk.Made;
        }

        Assert.Empty(errors.Errors);
        Assert.Equal(300 * 6 * 4, made);
        var tops = Directory.GetDirectories(_target.Path).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(Enumerable.Range(0, 300).Where(t => t % 3 != 0).Select(t => $"top{t:000}"), tops);
        Assert.Equal(200 * 6 * 4, Directory.GetDirectories(_target.Path, "*", SearchOption.AllDirectories).Length);
        Assert.True(Directory.Exists(_target.Path + "/top299/d5/d4/d3/d2/d1/leaf2"));
    }

    [Fact]
    public void A_directory_that_cannot_be_made_is_reported_once_and_nothing_below_it_is_attempted()
    {
        var plan = new RestorePlan(_target.Path);
        using var root = Posix.OpenDirectory(_target.Path);
        var errors = new ErrorList();
        var tooLong = new string('n', 300);
        int[] below;
        using (var creator = new DirectoryCreator(root, plan, new ItemFailures(new RestoreStatistics(), errors)))
        {
            int a = plan.AddDirectory(0, "a");
            creator.Make(a, 0, _target.Path + "/a");
            int bad = plan.AddDirectory(a, tooLong);
            creator.Make(bad, a, $"{_target.Path}/a/{tooLong}");
            var walk = new Walk(plan, creator);
            int first = plan.Directories.Count;
            walk.Chain(bad, $"{_target.Path}/a/{tooLong}", "inner", 4, 2, keep: true);
            below = Enumerable.Range(first, plan.Directories.Count - first).ToArray();
            int b = plan.AddDirectory(a, "b");
            creator.Make(b, a, _target.Path + "/a/b");
            creator.Drain();

            Assert.True(creator.IsFailed(bad));
            Assert.All(below, d => Assert.True(creator.IsFailed(d)));
            Assert.False(creator.IsFailed(a));
            Assert.False(creator.IsFailed(b));
        }

        var error = Assert.Single(errors.Errors);
        Assert.StartsWith($"{_target.Path}/a/{tooLong}: ", error);
        Assert.Equal(["b"], Directory.GetDirectories(_target.Path + "/a").Select(Path.GetFileName));
    }
}
