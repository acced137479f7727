using Lifeboat.Engine.Maintenance;
using Lifeboat.Engine.Model;
using Lifeboat.Stack.Configuration;

namespace Lifeboat.Stack.Scenarios;

/// <summary>
/// What forget decides for one app: its policy (null when it has none: the app is skipped) and, per group of
/// its snapshots, restic's keep/remove decision.
/// </summary>
public sealed record AppForgetPlan(AppConfig App, ForgetPolicy? Policy, IReadOnlyList<(ForgetGroupKey Key, ForgetDecision Decision)> Groups)
{
    public bool Skipped => Policy is null;

    public IEnumerable<Snapshot> Remove => Groups.SelectMany(g => g.Decision.Remove);
}
