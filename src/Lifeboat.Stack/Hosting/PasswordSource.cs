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
    private readonly string? _namedBy;
    private readonly string? _elsewhere;

    private PasswordSource(PasswordSourceKind kind, string? location, string? value, string what, string? namedBy = null, string? elsewhere = null)
    {
        Kind = kind;
        Location = location;
        _value = value;
        _what = what;
        _namedBy = namedBy;
        _elsewhere = elsewhere;
    }

    public static PasswordSource None { get; } = new(PasswordSourceKind.None, null, null, "password");

    /// <param name="what">What the password is called in errors ("source password" for copy's other repository).</param>
    /// <param name="namedBy">What named the file ("--password-file", "password-file in /etc/lifeboat.yaml"), for the error when it is missing.</param>
    /// <param name="elsewhere">How to name another file instead ("give --password-file or set RESTIC_PASSWORD_FILE"), for the same error.</param>
    public static PasswordSource FromFile(string path, string what = "password", string? namedBy = null, string? elsewhere = null) =>
        new(PasswordSourceKind.File, path, null, what, namedBy, elsewhere);

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
        PasswordSourceKind.File => ReadFile(),
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

    private string ReadFile()
    {
        var path = Location!;
        try
        {
            return File.ReadAllText(path).Trim();
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            // the first thing a rebuilt machine meets: the password was (rightly) not in any backup of it
            throw new RepositoryAccessException(
                $"cannot read {_what} file {path}: there is no such file; on a rebuilt machine, put the {(_what == "password" ? "repository password" : _what)} there " +
                $"from the copy you keep off this machine (mode 0600); to use another file, {_elsewhere ?? "give --password-file or set RESTIC_PASSWORD_FILE"}" +
                (_namedBy is null ? "" : $" ({path} is named by {_namedBy})")) { MissingPasswordFile = path };
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new RepositoryAccessException($"cannot read {_what} file {path}: {e.Message}");
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
