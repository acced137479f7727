namespace Lifeboat.Stack.Configuration;

/// <summary>An invalid lifeboat.yaml: the message names the file, the line, the key and what would be valid.</summary>
public sealed class StackConfigException(string file, int line, string key, string problem)
    : StackException(line > 0 ? $"{file}:{line}: {(key.Length > 0 ? $"key \"{key}\": " : "")}{problem}" : $"{file}: {(key.Length > 0 ? $"key \"{key}\": " : "")}{problem}")
{
    public string File { get; } = file;
    /// <summary>1-based; 0 when the problem has no line (the file as a whole).</summary>
    public int Line { get; } = line;
    public string Key { get; } = key;
}
