namespace Lifeboat.Stack.Hosting;

/// <summary>The repository or its password cannot be reached as asked (a missing option, an unreadable file, a failing command); one line.</summary>
public sealed class RepositoryAccessException(string message) : StackException(message)
{
    /// <summary>The password file that does not exist, when that is the problem (the doctor says it in its own words).</summary>
    public string? MissingPasswordFile { get; init; }
}
