namespace Lifeboat.Stack;

/// <summary>An error of the stack layer that a user can cause or meet: its message is one line naming the thing and what to do.</summary>
public class StackException(string message, Exception? inner = null) : Exception(message, inner);
