using Lifeboat.Engine.Storage;
using Lifeboat.TestSupport;
using Microsoft.Win32.SafeHandles;

namespace Lifeboat.Engine.Tests.Storage;

/// <summary>
/// The open read handles a local repository keeps for its packs: one open per file while it stays among the most
/// recently used, the least recently used closed when the set is full, and a handle lent to a reader readable until the
/// reader is done, even when the cache lets go of it meanwhile.
/// </summary>
public sealed class HandleCacheTests : IDisposable
{
    private readonly TempDirectory _dir = new("lifeboat-handles");
    private readonly Dictionary<string, int> _opens = [];
    private readonly List<SafeFileHandle> _opened = [];

    public HandleCacheTests()
    {
        foreach (var name in new[] { "a", "b", "c", "d" }) File.WriteAllText(_dir.Combine(name), $"content of {name}");
    }

    public void Dispose()
    {
        foreach (var h in _opened) h.Dispose();
        _dir.Dispose();
    }

    private Func<SafeFileHandle> Opener(string name) => () =>
    {
        lock (_opens)
        {
            _opens[name] = _opens.GetValueOrDefault(name) + 1;
            var handle = File.OpenHandle(_dir.Combine(name));
            _opened.Add(handle);
            return handle;
        }
    };

    private static string Read(SafeFileHandle handle)
    {
        var buffer = new byte[64];
        int n = RandomAccess.Read(handle, buffer, 0);
        return System.Text.Encoding.UTF8.GetString(buffer, 0, n);
    }

    private string ReadThrough(HandleCache cache, string name)
    {
        using var lease = cache.Get(name, Opener(name));
        return Read(lease.Handle);
    }

    [Fact]
    public void AFileIsOpenedOnce_WhileItStaysCached()
    {
        using var cache = new HandleCache(4);
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal("content of a", ReadThrough(cache, "a"));
            Assert.Equal("content of b", ReadThrough(cache, "b"));
        }
        Assert.Equal(1, _opens["a"]);
        Assert.Equal(1, _opens["b"]);
    }

    [Fact]
    public void WhenFull_TheLeastRecentlyUsedIsClosed()
    {
        using var cache = new HandleCache(2);
        ReadThrough(cache, "a");
        ReadThrough(cache, "b");
        ReadThrough(cache, "a"); // a is now the most recent: b goes first
        ReadThrough(cache, "c");

        Assert.True(_opened[1].IsClosed, "b was closed");
        Assert.False(_opened[0].IsClosed, "a stays open");
        ReadThrough(cache, "a");
        ReadThrough(cache, "b");
        Assert.Equal(new Dictionary<string, int> { ["a"] = 1, ["b"] = 2, ["c"] = 1 }, _opens);
    }

    [Fact]
    public void ALentHandle_StaysReadable_WhenTheCacheLetsGoOfIt()
    {
        using var cache = new HandleCache(1);
        using (var lease = cache.Get("a", Opener("a")))
        {
            ReadThrough(cache, "b"); // evicts a while its reader still holds it
            ReadThrough(cache, "c");
            Assert.Equal("content of a", Read(lease.Handle));
        }
        using (var lease = cache.Get("c", Opener("c")))
        {
            cache.Remove("c");
            Assert.Equal("content of c", Read(lease.Handle));
        }
        using (var lease = cache.Get("d", Opener("d")))
        {
            cache.Dispose();
            Assert.Equal("content of d", Read(lease.Handle));
        }
    }

    [Fact]
    public void Remove_ClosesTheHandle_AndTheNextReadOpensAgain()
    {
        // A deleted pack must not stay readable through a handle the cache kept.
        using var cache = new HandleCache(4);
        ReadThrough(cache, "a");
        cache.Remove("a");
        Assert.True(_opened[0].IsClosed);
        cache.Remove("never opened");
        Assert.Equal("content of a", ReadThrough(cache, "a"));
        Assert.Equal(2, _opens["a"]);
    }

    [Fact]
    public void Dispose_ClosesEveryHandle()
    {
        var cache = new HandleCache(4);
        ReadThrough(cache, "a");
        ReadThrough(cache, "b");
        cache.Dispose();
        Assert.All(_opened, h => Assert.True(h.IsClosed));
    }

    [Fact]
    public async Task TwoReadersOpeningOneFileAtOnce_ShareOneHandle()
    {
        using var cache = new HandleCache(4);
        using var bothOpening = new Barrier(2);
        Func<SafeFileHandle> open = () =>
        {
            var handle = Opener("a")();
            bothOpening.SignalAndWait(TimeSpan.FromSeconds(5));
            return handle;
        };
        var first = Task.Run(() => cache.Get("a", open), TestContext.Current.CancellationToken);
        var second = Task.Run(() => cache.Get("a", open), TestContext.Current.CancellationToken);
        var leases = await Task.WhenAll(first, second);
        try
        {
            Assert.Equal(2, _opens["a"]);
            Assert.Single(_opened, h => h.IsClosed); // the loser's own handle
            Assert.All(leases, l => Assert.Equal("content of a", Read(l.Handle)));
            Assert.Equal("content of a", ReadThrough(cache, "a"));
            Assert.Equal(2, _opens["a"]); // the cache kept the winner's
        }
        finally
        {
            foreach (var l in leases) l.Dispose();
        }
    }
}
