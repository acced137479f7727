using Lifeboat.Engine.Platform;
using Lifeboat.Engine.Repository;
using Lifeboat.Engine.Storage.Cache;

namespace Lifeboat.Cli;

/// <summary>What restic says about its cache after opening a repository: a new cache, and old caches of other repositories.</summary>
internal static class CacheReport
{
    public static void AfterOpen(CommandContext ctx, Repository repo, bool local)
    {
        if (!local && ctx.CacheDirectoryError is { } error) ctx.Warn($"unable to open cache: {error}");
        if (repo.Cache?.Cache is not { } cache) return;
        bool terminal = Posix.IsTerminal(1);
        if (cache.Created && !ctx.Json && terminal) ctx.Info($"created new cache in {cache.BaseDirectory}");
        List<CacheDirectoryInfo> old;
        try
        {
            old = CacheDirectories.OlderThan(cache.BaseDirectory, CacheDirectories.MaxAge);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            ctx.Warn($"unable to find old cache directories: {e.Message}");
            return;
        }
        if (old.Count == 0) return;
        if (!ctx.CleanupCache)
        {
            if (terminal) ctx.Info($"found {old.Count} old cache directories in {cache.BaseDirectory}, run `lifeboat cache --cleanup` to remove them");
            return;
        }
        if (terminal && !ctx.Json) ctx.Info($"removing {old.Count} old cache dirs from {cache.BaseDirectory}");
        Remove(ctx, old);
    }

    /// <summary>Removes cache directories; one that cannot be removed is a warning.</summary>
    public static void Remove(CommandContext ctx, IEnumerable<CacheDirectoryInfo> directories)
    {
        foreach (var dir in directories)
        {
            try
            {
                Directory.Delete(dir.Path, recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                ctx.Warn($"unable to remove {dir.Path}: {e.Message}");
            }
        }
    }
}
