namespace Lifeboat.Crash.Tests;

/// <summary>A broken promise found after a kill: what was expected and what was found.</summary>
public sealed class CrashFailure(string message) : Exception(message);
