using System.ComponentModel;
using System.Diagnostics;
using System.Text;

namespace Lifeboat.Stack.Verification;

/// <summary>
/// A git work tree, found and read through the real git binary (its answer on what a work tree is, worktrees and
/// submodules included, is the one that counts). Runs with safe.directory=* so that root may inspect a user's tree.
/// </summary>
public sealed class GitWorkTree
{
    private GitWorkTree(string top) => TopLevel = top;

    /// <summary>The work tree's root directory.</summary>
    public string TopLevel { get; }

    /// <summary>The work tree holding <paramref name="directory"/>, or null when it is in none.</summary>
    /// <exception cref="GitUnavailableException">git cannot be run.</exception>
    public static GitWorkTree? Find(string directory)
    {
        var r = Run(directory, ["rev-parse", "--show-toplevel"]);
        if (r.ExitCode != 0) return null;
        var top = Encoding.UTF8.GetString(r.Stdout).TrimEnd('\n');
        return top.Length == 0 ? null : new GitWorkTree(top); // inside .git itself there is no top level
    }

    /// <summary>
    /// Whether a file lies in this work tree (or one nested in it). git answers for the file's directory, so symlinked
    /// directories count where they lead; a symlinked file counts where its target is (the link itself leaks nothing).
    /// </summary>
    public bool Contains(string file)
    {
        var path = Path.GetFullPath(file);
        try
        {
            if (new FileInfo(path).LinkTarget is not null && new FileInfo(path).ResolveLinkTarget(returnFinalTarget: true) is { } target)
                path = target.FullName;
        }
        catch (IOException)
        {
            // a link loop: judge the link's own place
        }
        var directory = Path.GetDirectoryName(path);
        while (directory is not null && !Directory.Exists(directory)) directory = Path.GetDirectoryName(directory);
        if (directory is null || Find(directory) is not { } tree) return false;
        return tree.TopLevel == TopLevel || tree.TopLevel.StartsWith(TopLevel.TrimEnd('/') + "/", StringComparison.Ordinal);
    }

    /// <summary>Runs git in the work tree and returns its output; a failure is an exception naming the command.</summary>
    internal byte[] Git(params string[] args)
    {
        var r = Run(TopLevel, args);
        if (r.ExitCode != 0) throw new StackException($"git {string.Join(' ', args)} in {TopLevel} failed: {r.Stderr.Trim()}");
        return r.Stdout;
    }

    internal Process Start(IReadOnlyList<string> args) => StartGit(TopLevel, args);

    internal static Process StartGit(string directory, IReadOnlyList<string> args)
    {
        var psi = new ProcessStartInfo("git")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = directory,
        };
        foreach (var a in (string[])["-c", "safe.directory=*", "-c", "core.quotePath=false", .. args]) psi.ArgumentList.Add(a);
        // the caller's environment must not point git at another repository
        foreach (var name in (string[])["GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY", "GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_CEILING_DIRECTORIES"])
            psi.Environment.Remove(name);
        try
        {
            return Process.Start(psi) ?? throw new GitUnavailableException("git could not be started");
        }
        catch (Win32Exception e)
        {
            throw new GitUnavailableException($"git could not be run: {e.Message}");
        }
    }

    private static (int ExitCode, byte[] Stdout, string Stderr) Run(string directory, IReadOnlyList<string> args)
    {
        using var p = StartGit(directory, args);
        p.StandardInput.Close();
        var stderr = p.StandardError.ReadToEndAsync();
        using var stdout = new MemoryStream();
        p.StandardOutput.BaseStream.CopyTo(stdout);
        p.WaitForExit();
        return (p.ExitCode, stdout.ToArray(), stderr.Result);
    }
}
