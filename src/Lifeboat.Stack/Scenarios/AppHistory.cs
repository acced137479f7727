using Lifeboat.Engine.Model;
using Lifeboat.Stack.Configuration;

namespace Lifeboat.Stack.Scenarios;

/// <summary>One app's snapshots, oldest first.</summary>
public sealed record AppHistory(AppConfig App, IReadOnlyList<Snapshot> Snapshots);
