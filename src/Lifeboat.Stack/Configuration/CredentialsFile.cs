namespace Lifeboat.Stack.Configuration;

/// <summary>
/// The storage credentials of a stack, kept out of lifeboat.yaml: an environment file of KEY=VALUE lines (blank lines,
/// # comments, an optional "export " and quotes around a value are allowed), as docker's --env-file and systemd's
/// EnvironmentFile read them. It must be readable by its owner only; a file others can read is refused, since it holds keys.
/// </summary>
public static class CredentialsFile
{
    /// <summary>The file's variables; errors name the file and line, never a value.</summary>
    public static IReadOnlyDictionary<string, string> Load(string path)
    {
        var text = PrivateFile.ReadAllText(path, "credentials file");
        var variables = new Dictionary<string, string>(StringComparer.Ordinal);
        var lines = text.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0 || line[0] == '#') continue;
            if (line.StartsWith("export ", StringComparison.Ordinal)) line = line["export ".Length..].TrimStart();
            int eq = line.IndexOf('=');
            var name = eq > 0 ? line[..eq].Trim() : "";
            if (name.Length == 0 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_') || char.IsAsciiDigit(name[0]))
                throw new StackException($"credentials file {path}, line {i + 1}: want NAME=value (e.g. AWS_ACCESS_KEY_ID=...)");
            var value = line[(eq + 1)..].Trim();
            if (value.Length >= 2 && (value[0] == '"' || value[0] == '\'') && value[^1] == value[0]) value = value[1..^1];
            variables[name] = value;
        }
        return variables;
    }
}
