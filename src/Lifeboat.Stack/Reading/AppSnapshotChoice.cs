using Lifeboat.Stack.Configuration;

namespace Lifeboat.Stack.Reading;

/// <summary>
/// The app a read command works on in stack mode, and how its snapshot is chosen: <see cref="Snapshot"/> (an ID
/// prefix or "latest"), else the newest at or before <see cref="At"/>, else the newest.
/// </summary>
/// <param name="Inferred">The app was found from the paths' owner (`dump latest PATH`), not named.</param>
public sealed record AppSnapshotChoice(AppConfig App, string? Snapshot, DateTimeOffset? At, bool Inferred = false);
