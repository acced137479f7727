using Lifeboat.Stack.Configuration;
using Lifeboat.Stack.Hooks;

namespace Lifeboat.Stack.Verification;

/// <summary>
/// The config's hooks: every hook's program is there and executable, as the run will look for it (relative to the
/// config's directory, or in PATH), so that a typo or a missing chmod +x is found now, not by the night's backup.
/// No item when the config has no hook.
/// </summary>
public static class HooksCheck
{
    public static DoctorCheck? Run(StackConfig config)
    {
        var hooks = All(config).ToList();
        if (hooks.Count == 0) return null;
        var directory = Path.GetDirectoryName(Path.GetFullPath(config.File))!;
        var path = Environment.GetEnvironmentVariable("PATH");
        var problems = hooks
            .Select(h => (h.Key, h.Hook, Problem: HookRunner.StartProblem(h.Hook, directory, path)))
            .Where(h => h.Problem is not null)
            .ToList();
        if (problems.Count == 0)
            return DoctorCheck.Pass(DoctorCheck.Hooks, config.File, $"{hooks.Count} hook{(hooks.Count == 1 ? "" : "s")}: every program is there and executable");
        var reason = string.Join("; ", problems.Select(p => $"{p.Key} (line {p.Hook.Line}): {p.Problem}"));
        return DoctorCheck.Fail(DoctorCheck.Hooks, config.File, reason,
            "correct the hook in lifeboat.yaml or install its program (a script beside lifeboat.yaml is found by ./name, and needs chmod +x and a #! line)");
    }

    /// <summary>Every hook of the file with the key that names it, e.g. apps.sonarr.hooks.backup.before.</summary>
    private static IEnumerable<(string Key, HookConfig Hook)> All(StackConfig config)
    {
        foreach (var hook in Of("hooks", config.Hooks)) yield return hook;
        foreach (var app in config.Apps)
            foreach (var hook in Of($"apps.{app.Name}.hooks", app.Hooks)) yield return hook;
    }

    private static IEnumerable<(string Key, HookConfig Hook)> Of(string prefix, HookSet set)
    {
        foreach (var (name, list) in new[]
                 {
                     ("backup.before", set.Backup.Before), ("backup.after", set.Backup.After), ("backup.on-failure", set.Backup.OnFailure),
                     ("backup.finally", set.Backup.Finally), ("restore.before", set.Restore.Before), ("restore.after", set.Restore.After),
                 })
            foreach (var hook in list) yield return ($"{prefix}.{name}", hook);
    }
}
