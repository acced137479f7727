namespace Lifeboat.Stack.Dumps;

/// <summary>
/// One program to run for a dump entry: its argv (never a secret), its environment (the only place a password goes:
/// PGPASSWORD, MYSQL_PWD), and where: inside <see cref="Container"/> through Docker exec, or on the host.
/// </summary>
public sealed record DumpInvocation
{
    public required IReadOnlyList<string> Argv { get; init; }

    /// <summary>Variables added to the program's environment; they may hold a password, so they never appear in a message.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    /// <summary>The container the program runs in (docker exec); null: on the host.</summary>
    public string? Container { get; init; }

    /// <summary>
    /// What the program reads on its standard input, when it is not a dump (a script that creates the target database);
    /// null when the caller feeds it the dump, or nothing.
    /// </summary>
    public string? Input { get; init; }

    /// <summary>How a message names the program: the tool's name, not the sh -c wrapper around it ("mariadb-dump").</summary>
    public string Program => Argv.Count > 3 && Argv[0] == "sh" && Argv[1] == "-c" ? Argv[3] : Argv[0];

    /// <summary>The command line as a user could type it (for rebuild's printed commands); never with the environment's values.</summary>
    public string CommandLine => string.Join(' ', Argv.Select(ShellQuote));

    private static string ShellQuote(string word) =>
        word.Length > 0 && word.All(c => char.IsAsciiLetterOrDigit(c) || "-_./=:,@%+".Contains(c)) ? word : "'" + word.Replace("'", "'\\''") + "'";
}
