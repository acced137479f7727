using Lifeboat.TestSupport;

namespace Lifeboat.Dashboard.Tests;

/// <summary>How a restore target's path is resolved before it is checked: as the kernel would follow it.</summary>
public sealed class RestoreTargetTests : IDisposable
{
    private readonly TempDirectory _temp = new("lifeboat-restore-target");

    [Fact]
    public void A_relative_link_is_followed_before_its_dot_dot()
    {
        // a/link -> ../b/c : a/link/.. is b, not a (the lexical answer)
        Directory.CreateDirectory(_temp.Combine("a"));
        Directory.CreateDirectory(_temp.Combine("b/c"));
        File.CreateSymbolicLink(_temp.Combine("a/link"), "../b/c");
        Assert.Equal(_temp.Combine("b/c/new/dir"), RestoreTarget.Resolve(_temp.Combine("a/link/new/dir")));
        Assert.Equal(_temp.Combine("b"), RestoreTarget.Resolve(_temp.Combine("a/link/..")));
    }

    [Fact]
    public void Links_in_a_chain_and_absolute_links_are_followed()
    {
        Directory.CreateDirectory(_temp.Combine("real"));
        File.CreateSymbolicLink(_temp.Combine("one"), _temp.Combine("two"));
        File.CreateSymbolicLink(_temp.Combine("two"), "real");
        Assert.Equal(_temp.Combine("real/x"), RestoreTarget.Resolve(_temp.Combine("one/x")));
    }

    [Fact]
    public void A_loop_of_links_is_refused()
    {
        File.CreateSymbolicLink(_temp.Combine("ping"), "pong");
        File.CreateSymbolicLink(_temp.Combine("pong"), "ping");
        var refused = Assert.Throws<BrowseException>(() => RestoreTarget.Resolve(_temp.Combine("ping/x")));
        Assert.Contains("too many levels of symbolic links", refused.Message);
    }

    [Fact]
    public void The_components_that_do_not_exist_yet_are_kept_as_given()
    {
        Assert.Equal(_temp.Combine("not/there/yet"), RestoreTarget.Resolve(_temp.Combine("not/there/yet")));
    }

    public void Dispose() => _temp.Dispose();
}
