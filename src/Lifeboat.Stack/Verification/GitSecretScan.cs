using System.Buffers;
using System.Text;

namespace Lifeboat.Stack.Verification;

/// <summary>
/// Searches everything a git work tree has ever held for the repository password and restic key files: every object
/// reachable from any ref or reflog entry (`git rev-list --all --reflog --objects`, contents streamed through one
/// `git cat-file --batch`), so a file deleted in a later commit is still found; then what is staged but not
/// committed, and the untracked (not ignored) and modified files of the work tree, read from disk.
/// </summary>
public sealed class GitSecretScan(GitWorkTree tree, SecretMatcher matcher)
{
    private const int ChunkSize = 1 << 20;

    /// <summary>How many objects and files were read.</summary>
    public long ObjectsScanned { get; private set; }

    public IReadOnlyList<GitSecretFinding> Run(CancellationToken cancellationToken)
    {
        var findings = new List<GitSecretFinding>();
        var historyBlobs = new HashSet<string>(StringComparer.Ordinal);

        // history: blobs (files) and commits (a password pasted into a commit message counts too)
        var revList = Lines(tree.Git("rev-list", "--all", "--reflog", "--objects"));
        foreach (var (id, type, path, what) in ReadObjects(revList, cancellationToken))
        {
            if (type == "blob") historyBlobs.Add(id);
            foreach (var w in what)
                findings.Add(type == "commit"
                    ? new GitSecretFinding(w, "(commit message)", $"commit {id[..8]}", id)
                    : FoundInHistory(w, path, id));
        }

        // staged, not committed: "MODE ID STAGE\tPATH\0" entries
        var staged = new List<string>();
        foreach (var entry in Entries(tree.Git("ls-files", "--stage", "-z")))
        {
            int tab = entry.IndexOf('\t');
            var fields = entry[..tab].Split(' ');
            if (fields.Length >= 2 && !historyBlobs.Contains(fields[1]) && fields[0] != "160000") staged.Add($"{fields[1]} {entry[(tab + 1)..]}");
        }
        foreach (var (_, _, path, what) in ReadObjects(staged, cancellationToken))
            foreach (var w in what) findings.Add(new GitSecretFinding(w, path, "staged, not committed"));

        // the work tree: files git would take with the next `git add -A` (untracked and not ignored) or has changed
        var onDisk = Entries(tree.Git("ls-files", "-z", "--others", "--exclude-standard"))
            .Concat(Entries(tree.Git("ls-files", "-z", "--modified"))).Distinct(StringComparer.Ordinal);
        var buffer = ArrayPool<byte>.Shared.Rent(ChunkSize);
        try
        {
            foreach (var relative in onDisk)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var full = Path.Combine(tree.TopLevel, relative);
                if (!File.Exists(full) || new FileInfo(full).LinkTarget is not null) continue;
                matcher.Reset();
                try
                {
                    using var stream = new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
                    int n;
                    while ((n = stream.Read(buffer, 0, ChunkSize)) > 0) matcher.Feed(buffer.AsSpan(0, n));
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    continue; // unreadable here means unreadable to git add too
                }
                ObjectsScanned++;
                foreach (var w in matcher.Findings()) findings.Add(new GitSecretFinding(w, relative, "uncommitted, in the work tree"));
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        return findings;
    }

    /// <summary>The oldest commit that holds the blob (where it was added), by `git log --find-object`.</summary>
    private GitSecretFinding FoundInHistory(string what, string path, string blob)
    {
        var commits = Lines(tree.Git("log", "--all", "--reflog", "--format=%H", "--find-object=" + blob));
        var commit = commits.Count > 0 ? commits[^1] : null;
        return new GitSecretFinding(what, path, commit is null ? "the history" : $"commit {commit[..8]}", commit);
    }

    /// <summary>
    /// Streams the objects named by "ID [PATH]" lines through `git cat-file --batch`, feeding each blob and commit to
    /// the matcher; yields those with findings. The list is written from another thread while the output is read.
    /// </summary>
    private IEnumerable<(string Id, string Type, string Path, IReadOnlyList<string> What)> ReadObjects(IReadOnlyList<string> objects, CancellationToken cancellationToken)
    {
        if (objects.Count == 0) yield break;
        using var git = tree.Start(["cat-file", "--batch=%(objectname) %(objecttype) %(objectsize) %(rest)"]);
        var stderr = git.StandardError.ReadToEndAsync(cancellationToken);
        var writer = Task.Run(() =>
        {
            try
            {
                using var input = git.StandardInput;
                foreach (var line in objects) input.Write(line + "\n");
            }
            catch (IOException)
            {
                // git ended early; its exit code tells why
            }
        }, cancellationToken);
        var output = new BufferedStream(git.StandardOutput.BaseStream, ChunkSize);
        var buffer = ArrayPool<byte>.Shared.Rent(ChunkSize);
        try
        {
            while (ReadHeader(output) is { } header)
            {
                cancellationToken.ThrowIfCancellationRequested();
                // "ID TYPE SIZE REST" or "ID missing"
                var parts = header.Split(' ', 4);
                if (parts.Length < 3 || parts[1] == "missing") continue;
                var (id, type, size, path) = (parts[0], parts[1], long.Parse(parts[2], System.Globalization.CultureInfo.InvariantCulture), parts.Length > 3 ? parts[3] : "");
                bool scan = type is "blob" or "commit";
                if (scan) matcher.Reset();
                for (long left = size; left > 0;)
                {
                    int n = output.Read(buffer, 0, (int)Math.Min(left, ChunkSize));
                    if (n <= 0) throw new StackException($"git cat-file ended in the middle of object {id}");
                    if (scan) matcher.Feed(buffer.AsSpan(0, n));
                    left -= n;
                }
                output.ReadByte(); // the newline after the content
                ObjectsScanned++;
                if (!scan) continue;
                var what = matcher.Findings();
                // a key file is a file: a commit message shaped like one is not
                if (type == "commit") what = what.Where(w => w != "a restic key file").ToList();
                if (what.Count > 0) yield return (id, type, path, what);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            try { writer.Wait(cancellationToken); } catch (AggregateException) { }
            if (!git.HasExited) git.Kill();
            git.WaitForExit();
        }
        if (git.ExitCode != 0) throw new StackException($"git cat-file in {tree.TopLevel} failed: {stderr.Result.Trim()}");
    }

    private static string? ReadHeader(Stream stream)
    {
        var bytes = new List<byte>(128);
        while (true)
        {
            int b = stream.ReadByte();
            if (b < 0) return bytes.Count == 0 ? null : Encoding.UTF8.GetString(bytes.ToArray());
            if (b == '\n') return Encoding.UTF8.GetString(bytes.ToArray());
            bytes.Add((byte)b);
        }
    }

    private static List<string> Lines(byte[] output) =>
        Encoding.UTF8.GetString(output).Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();

    private static IEnumerable<string> Entries(byte[] output) =>
        Encoding.UTF8.GetString(output).Split('\0', StringSplitOptions.RemoveEmptyEntries);
}
