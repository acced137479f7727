namespace Lifeboat.Engine.Model;

/// <summary>An xattr as restic stores it: the name is a (surrogateescape) string, the value raw bytes (base64 in JSON).</summary>
public sealed record ExtendedAttribute(string Name, byte[] Value);
