using System.Diagnostics;

namespace Lifeboat.Stack.Hosting;

/// <summary>
/// One place a password can be read from, resolved but not yet read (<see cref="RepositoryAccess.PasswordSourceFor"/>
/// decides which by restic's order). Its text never shows the password.
/// </summary>
public sealed class PasswordSource
{
    private readonly string? _value;
    private readonly string _what;

    private PasswordSource(PasswordSourceKind kind, string? location, string? value, string what)
    {
        Kind = kind;
        Location = location;
        _value = value;
        _what = what;
    }

    public static PasswordSource None { get; } = new(PasswordSourceKind.None, null, null, "password");

    /// <param name="what">What the password is called in errors ("source password" for copy's other repository).</param>
    public static PasswordSource FromFile(string path, string what = "password") => new(PasswordSourceKind.File, path, null, what);

    /// <param name="what">What the password is called in errors.</param>
    public static PasswordSource FromCommand(string command, string what = "password") => new(PasswordSourceKind.Command, command, null, what);

    public static PasswordSource FromEnvironment(string password) => new(PasswordSourceKind.Environment, null, password, "password");

    public PasswordSourceKind Kind { get; }

    /// <summary>The file's path or the command's text; null for the others.</summary>
    public string? Location { get; }

    /// <summary>The password, trimmed where it comes from a file or a command; null for <see cref="PasswordSourceKind.None"/>.</summary>
    /// <exception cref="RepositoryAccessException">The file cannot be read, or the command fails.</exception>
    public string? Read() => Kind switch
    {
        PasswordSourceKind.File => ReadFile(Location!, _what),
        PasswordSourceKind.Command => RunCommand(Location!, _what),
        PasswordSourceKind.Environment => _value,
        _ => null,
    };

    public override string ToString() => Kind switch
    {
        PasswordSourceKind.File => $"{_what} file {Location}",
        PasswordSourceKind.Command => $"{_what} command",
        PasswordSourceKind.Environment => "$RESTIC_PASSWORD",
        _ => "no password source",
    };

    private static string ReadFile(string path, string what)
    {
        try
        {
            return File.ReadAllText(path).Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new RepositoryAccessException($"cannot read {what} file {path}: {e.Message}");
        }
    }

    private static string RunCommand(string command, string what)
    {
        var psi = new ProcessStartInfo("/bin/sh") { RedirectStandardOutput = true, RedirectStandardError = false, UseShellExecute = false };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(command);
        using var p = Process.Start(psi) ?? throw new RepositoryAccessException($"{what} command could not be started");
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new RepositoryAccessException($"{what} command failed with exit code {p.ExitCode}");
        return output.Trim();
    }
}
