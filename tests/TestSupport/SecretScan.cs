using System.Text.RegularExpressions;

namespace Lifeboat.TestSupport;

/// <summary>
/// Every output of the real `lifeboat` that a test sees through <see cref="LifeboatCli"/> is scanned for the secrets
/// the test gave it: the values of its password, secret, token and key variables (RESTIC_PASSWORD,
/// AWS_SECRET_ACCESS_KEY, RESTIC_REST_PASSWORD, ...), the content of the password files those variables or the
/// lifeboat.yaml in use name, and any the test registers (<see cref="Register"/>). A hit fails that test at once, naming
/// the command and which secret (never its value). The totals of the whole run (outputs, bytes, secrets, hits) are
/// appended to $TESTS_SECRET_SCAN_LOG when it is set, for ./run-tests to report.
/// </summary>
public static partial class SecretScan
{
    /// <summary>Shorter values are too likely to occur in an output by chance ("x", "test") to prove anything.</summary>
    public const int MinimumLength = 8;

    private static readonly Lock Gate = new();
    private static readonly HashSet<string> Registered = new(StringComparer.Ordinal);
    private static long _outputs, _bytes, _hits;
    private static readonly HashSet<string> SecretsSeen = new(StringComparer.Ordinal);
    private static bool _exitHooked;

    [GeneratedRegex("PASSWORD|SECRET|TOKEN|_KEY$|_KEY_ID$", RegexOptions.CultureInvariant)]
    private static partial Regex SecretName();

    [GeneratedRegex(@"^\s*password-file:\s*(?<path>\S.*?)\s*$", RegexOptions.Multiline | RegexOptions.CultureInvariant)]
    private static partial Regex PasswordFileKey();

    /// <summary>A secret a test handed lifeboat some other way (a database password, a key inside a file).</summary>
    public static void Register(string secret)
    {
        if (secret.Length < MinimumLength) return;
        lock (Gate) Registered.Add(secret);
    }

    /// <summary>Fails (throws) when an output of <paramref name="args"/> holds one of the secrets; counts it either way.</summary>
    public static void Check(IReadOnlyDictionary<string, string?> environment, IEnumerable<string> args, string? workingDirectory, ProcessResult result) =>
        CheckTexts(environment, workingDirectory, $"lifeboat {string.Join(' ', args)} printed", result.Stdout, result.Stderr);

    /// <summary>
    /// The same scan for anything else lifeboat produced that a test saw: a daemon's log, a metrics page, a dashboard's
    /// answer, a snapshot's content (<paramref name="what"/> says which, e.g. "the daemon's log holds").
    /// </summary>
    public static void CheckText(IReadOnlyDictionary<string, string?> environment, string? workingDirectory, string what, string text) =>
        CheckTexts(environment, workingDirectory, what, text, "");

    private static void CheckTexts(IReadOnlyDictionary<string, string?> environment, string? workingDirectory, string what, string first, string second)
    {
        var secrets = SecretsOf(environment, workingDirectory);
        string? hit = null;
        foreach (var (name, value) in secrets)
        {
            if (first.Contains(value, StringComparison.Ordinal) || second.Contains(value, StringComparison.Ordinal))
            {
                hit = name;
                break;
            }
        }
        var result = (Stdout: first, Stderr: second);
        lock (Gate)
        {
            _outputs++;
            _bytes += result.Stdout.Length + result.Stderr.Length;
            foreach (var (_, value) in secrets) SecretsSeen.Add(value);
            if (hit is not null) _hits++;
            if (!_exitHooked && Environment.GetEnvironmentVariable("TESTS_SECRET_SCAN_LOG") is { Length: > 0 } log)
            {
                _exitHooked = true;
                AppDomain.CurrentDomain.ProcessExit += (_, _) => WriteTotals(log);
            }
        }
        if (hit is not null)
            throw new InvalidOperationException($"{what} a secret: {hit} (the secret scan of the test suite)");
    }

    private static List<(string Name, string Value)> SecretsOf(IReadOnlyDictionary<string, string?> environment, string? workingDirectory)
    {
        var secrets = new List<(string, string)>();
        void Add(string name, string? value)
        {
            value = value?.Trim();
            if (value is { Length: >= MinimumLength }) secrets.Add((name, value));
        }
        foreach (var (name, value) in environment)
        {
            if (value is null || !SecretName().IsMatch(name)) continue;
            if (name.EndsWith("_FILE", StringComparison.Ordinal)) Add($"the content of {name}'s file", ReadSmall(value));
            else if (!name.EndsWith("_COMMAND", StringComparison.Ordinal)) Add($"the value of {name}", value);
        }
        if (environment.TryGetValue("LIFEBOAT_CONFIG", out var config) && config is not null)
        {
            var path = Path.GetFullPath(config, workingDirectory ?? Environment.CurrentDirectory);
            if (ReadSmall(path) is { } text)
                foreach (Match m in PasswordFileKey().Matches(text))
                    Add("the content of lifeboat.yaml's password-file", ReadSmall(Path.GetFullPath(m.Groups["path"].Value.Trim('"', '\''), Path.GetDirectoryName(path)!)));
        }
        lock (Gate)
            foreach (var secret in Registered) secrets.Add(("a secret the test registered", secret));
        return secrets;
    }

    private static string? ReadSmall(string path)
    {
        try
        {
            var info = new FileInfo(path);
            return info.Exists && info.Length <= 4096 ? File.ReadAllText(path) : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return null;
        }
    }

    private static void WriteTotals(string log)
    {
        lock (Gate)
        {
            try
            {
                File.AppendAllText(log, $"{_outputs}\t{_bytes}\t{SecretsSeen.Count}\t{_hits}\n");
            }
            catch (IOException) { }
        }
    }
}
