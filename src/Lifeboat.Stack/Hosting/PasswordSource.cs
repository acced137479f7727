using System.Diagnostics;

namespace Lifeboat.Stack.Hosting;

/// <summary>
/// One place a password can be read from, resolved but not yet read (<see cref="RepositoryAccess.PasswordSource"/>
/// decides which by restic's order). Its text never shows the password.
/// </summary>
public sealed class PasswordSource
{
    private readonly string? _value;

    private PasswordSource(PasswordSourceKind kind, string? location, string? value)
    {
        Kind = kind;
        Location = location;
        _value = value;
    }

    public static PasswordSource None { get; } = new(PasswordSourceKind.None, null, null);

    public static PasswordSource FromFile(string path) => new(PasswordSourceKind.File, path, null);

    public static PasswordSource FromCommand(string command) => new(PasswordSourceKind.Command, command, null);

    public static PasswordSource FromEnvironment(string password) => new(PasswordSourceKind.Environment, null, password);

    public PasswordSourceKind Kind { get; }

    /// <summary>The file's path or the command's text; null for the others.</summary>
    public string? Location { get; }

    /// <summary>The password, trimmed where it comes from a file or a command; null for <see cref="PasswordSourceKind.None"/>.</summary>
    /// <exception cref="RepositoryAccessException">The file cannot be read, or the command fails.</exception>
    public string? Read() => Kind switch
    {
        PasswordSourceKind.File => ReadFile(Location!),
        PasswordSourceKind.Command => RunCommand(Location!),
        PasswordSourceKind.Environment => _value,
        _ => null,
    };

    public override string ToString() => Kind switch
    {
        PasswordSourceKind.File => $"password file {Location}",
        PasswordSourceKind.Command => "password command",
        PasswordSourceKind.Environment => "$RESTIC_PASSWORD",
        _ => "no password source",
    };

    private static string ReadFile(string path)
    {
        try
        {
            return File.ReadAllText(path).Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new RepositoryAccessException($"cannot read password file {path}: {e.Message}");
        }
    }

    private static string RunCommand(string command)
    {
        var psi = new ProcessStartInfo("/bin/sh") { RedirectStandardOutput = true, RedirectStandardError = false, UseShellExecute = false };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(command);
        using var p = Process.Start(psi) ?? throw new RepositoryAccessException("password command could not be started");
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new RepositoryAccessException($"password command failed with exit code {p.ExitCode}");
        return output.Trim();
    }
}
