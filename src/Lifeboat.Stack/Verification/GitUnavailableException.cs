namespace Lifeboat.Stack.Verification;

/// <summary>The git binary is not installed or cannot be started.</summary>
public sealed class GitUnavailableException(string message) : StackException(message);
