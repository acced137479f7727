namespace Lifeboat.Engine.Model;

/// <summary>
/// A JSON member this model does not know (e.g. a newer restic's "generic_attributes"), kept so that reading and
/// writing an object loses nothing. RawJson is the member's value as it was read, compacted on write.
/// </summary>
public sealed record RawJsonField(string Name, byte[] RawJson);
