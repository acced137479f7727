using System.Text.RegularExpressions;

namespace Lifeboat.Stack.Verification;

/// <summary>
/// Secrets in lifeboat.yaml that its parser accepts, found in the raw text (comments included): an environment
/// assignment of a password, secret, token or key (RESTIC_PASSWORD=..., AWS_SECRET_ACCESS_KEY=...), a user:password@
/// (or :token@) in a URL, a token in a URL's query (ntfy's ?auth=...),
/// a tool's --password=VALUE (in a dump's or a hook's command), a password-command that merely prints a literal, and the
/// repository password itself anywhere.
/// Each finding names the line, never the value.
/// </summary>
public static partial class ConfigSecretScan
{
    // environment variables are upper case; a value that is a $REFERENCE is not a secret
    [GeneratedRegex(@"\b[A-Z0-9_]*(PASSWORD|PASSWD|SECRET|TOKEN|KEY)[A-Z0-9_]*=\s*['""]?(?!['""]?\$)[^\s'""$]")]
    private static partial Regex SecretAssignment();

    [GeneratedRegex(@"[a-z][a-z0-9+.-]*://[^/\s:@]*:[^/\s@]+@", RegexOptions.IgnoreCase)]
    private static partial Regex UrlWithPassword();

    [GeneratedRegex(@"[a-z][a-z0-9+.-]*://[^\s'""]*[?&](auth|token|access_token|password|passwd|pass|secret|key|apikey|api_key)=[^&\s'""]", RegexOptions.IgnoreCase)]
    private static partial Regex UrlWithQueryToken();

    [GeneratedRegex(@"^\s*password-command\s*:\s*['""]?\s*(echo|printf)\s+['""]?(?!\$)\S", RegexOptions.IgnoreCase)]
    private static partial Regex PrintingCommand();

    // a tool's password option with its value (mysqldump --password=..., a dump's command:); a $REFERENCE is not a secret
    [GeneratedRegex(@"(?<![\w-])--(password|passwd|pass)=\s*['""]?(?!['""]?\$)[^\s'""\],]", RegexOptions.IgnoreCase)]
    private static partial Regex PasswordOption();

    /// <summary>One line per finding: "line 4: a RESTIC_PASSWORD=... assignment".</summary>
    public static IReadOnlyList<string> Find(string text, string? password)
    {
        var findings = new List<string>();
        var lines = text.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            int number = i + 1;
            if (SecretAssignment().Match(line) is { Success: true } m)
                findings.Add($"line {number}: a {m.Value[..m.Value.IndexOf('=')]}=... assignment");
            if (PasswordOption().Match(line) is { Success: true } option)
                findings.Add($"line {number}: a {option.Value[..option.Value.IndexOf('=')]}=... argument");
            if (UrlWithPassword().IsMatch(line))
                findings.Add($"line {number}: a URL with user:password@");
            else if (UrlWithQueryToken().IsMatch(line))
                findings.Add($"line {number}: a URL with a password or token in its query");
            if (PrintingCommand().IsMatch(line))
                findings.Add($"line {number}: a password-command that prints a literal value");
            if (password is { Length: >= SecretMatcher.MinSearchableLength } && line.Contains(password, StringComparison.Ordinal))
                findings.Add($"line {number}: the repository password itself");
        }
        return findings;
    }
}
