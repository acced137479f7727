namespace Lifeboat.Engine.Storage;

/// <summary>A file in the repository: its name (64 hex digits, or "config") and size in bytes.</summary>
public readonly record struct BackendFile(string Name, long Size);
