using Lifeboat.Stack.Configuration;
using Microsoft.AspNetCore.Http;

namespace Lifeboat.Dashboard;

/// <summary>
/// The directory a restore from the page writes into, checked on the server before the job is queued: absolute and
/// normalized (no ".", "..", "//" or trailing "/"); after the symlinks of its existing parents are resolved, not
/// /, not inside or over a system directory, an app's live paths, the repository or the state directory; and either
/// missing or an empty directory, so that a restore never mixes with or replaces what is there.
/// </summary>
public static class RestoreTarget
{
    /// <summary>Directories a restore may not be into, nor be inside of ("/" itself only: everything is inside it).</summary>
    public static readonly IReadOnlyList<string> SystemDirectories =
        ["/etc", "/usr", "/bin", "/sbin", "/lib", "/lib64", "/boot", "/proc", "/sys", "/dev", "/run", "/var/lib/docker"];

    /// <summary>The target with its parents' symlinks resolved, or a 400 <see cref="BrowseException"/> saying why not.</summary>
    /// <param name="stateDirectory">Lifeboat's state directory (its run history and restore-test records).</param>
    public static string Check(string target, StackConfig config, string stateDirectory)
    {
        if (target.Length == 0) throw Refused("give the directory to restore into");
        if (target[0] != '/') throw Refused($"\"{target}\" is not an absolute path: give one that starts with /");
        if (target.Contains('\0')) throw Refused("the path holds a NUL character");
        var segments = target.Split('/')[1..];
        if (target != "/" && segments.Any(s => s is "" or "." or ".."))
            throw Refused($"\"{target}\" is not a normalized path: no \".\", \"..\", \"//\" or trailing \"/\"");
        var resolved = Resolve(target);
        var shown = resolved == target ? target : $"{target} (that is {resolved})";
        if (resolved == "/") throw Refused("the target may not be /");
        foreach (var system in SystemDirectories)
            if (IsSameOrInside(resolved, system) || IsSameOrInside(resolved, Resolve(system)))
                throw Refused($"{shown} is {(IsSame(resolved, system) ? "" : "inside ")}{system}, a system directory");
        foreach (var app in config.Apps)
            foreach (var path in app.Paths)
                if (Overlap(resolved, Resolve(path)) is { } how) throw Refused($"{shown} is {how} {path}, a live path of app {app.Name}: restore that app in place instead, or choose another directory");
        if (LocalRepository(config.Repository) is { } repository && Overlap(resolved, Resolve(repository)) is { } repo)
            throw Refused($"{shown} is {repo} the repository {repository}");
        if (Overlap(resolved, Resolve(stateDirectory)) is { } state)
            throw Refused($"{shown} is {state} Lifeboat's state directory {stateDirectory}");
        if (File.Exists(resolved) || (new FileInfo(resolved).LinkTarget is not null))
            throw Refused($"{shown} exists and is not a directory: choose a new or empty directory");
        if (Directory.Exists(resolved) && Directory.EnumerateFileSystemEntries(resolved).Any())
            throw Refused($"{shown} is not empty: choose a new or empty directory, so that nothing there is mixed with or replaced by the restore");
        return resolved;
    }

    private static BrowseException Refused(string why) => new(StatusCodes.Status400BadRequest, $"cannot restore there: {why}");

    /// <summary>"inside", "the same as" or "over" (holding it), or null when the two are apart.</summary>
    private static string? Overlap(string target, string other) =>
        IsSame(target, other) ? "the same as" : IsSameOrInside(target, other) ? "inside" : IsSameOrInside(other, target) ? "over" : null;

    private static bool IsSame(string a, string b) => string.Equals(a.TrimEnd('/'), b.TrimEnd('/'), StringComparison.Ordinal);

    private static bool IsSameOrInside(string path, string directory)
    {
        var dir = directory.TrimEnd('/');
        return dir.Length == 0 || IsSame(path, dir) || path.StartsWith(dir + "/", StringComparison.Ordinal);
    }

    /// <summary>A local repository's directory (a path, or local:PATH); null for a remote one.</summary>
    private static string? LocalRepository(string location) =>
        location.StartsWith('/') ? location : location.StartsWith("local:", StringComparison.Ordinal) ? Path.GetFullPath(location["local:".Length..]) : null;

    /// <summary>
    /// The path with every symlink among its existing components resolved, as the kernel would (a link's ".." is taken
    /// after the link is followed); the components that do not exist yet are kept as given. More than 40 links: refused.
    /// </summary>
    public static string Resolve(string path)
    {
        var pending = new Stack<string>(path.Split('/', StringSplitOptions.RemoveEmptyEntries).Reverse());
        var resolved = "/";
        int links = 0;
        bool missing = false;
        while (pending.TryPop(out var part))
        {
            if (part == ".") continue;
            if (part == "..")
            {
                resolved = Path.GetDirectoryName(resolved) ?? "/";
                continue;
            }
            var next = resolved == "/" ? "/" + part : resolved + "/" + part;
            if (!missing)
            {
                var info = new FileInfo(next);
                if (info.LinkTarget is { } link)
                {
                    if (++links > 40) throw Refused($"{path}: too many levels of symbolic links");
                    foreach (var p in link.Split('/', StringSplitOptions.RemoveEmptyEntries).Reverse()) pending.Push(p);
                    if (link.StartsWith('/')) resolved = "/";
                    continue;
                }
                if (!info.Exists && !Directory.Exists(next)) missing = true;
            }
            resolved = next;
        }
        return resolved;
    }
}
