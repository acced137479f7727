using Lifeboat.Stack.Configuration;

namespace Lifeboat.Stack.Hooks;

/// <summary>
/// Runs the hooks of a stack's config: in the config file's directory, with the process's environment (without the
/// repository password) plus LIFEBOAT_HOOK, LIFEBOAT_OPERATION, LIFEBOAT_CONFIG, LIFEBOAT_APP or LIFEBOAT_APPS,
/// LIFEBOAT_SNAPSHOT_ID, LIFEBOAT_OUTCOME and LIFEBOAT_ERROR; each line of output reported as "hook NAME: line".
/// </summary>
public sealed class StackHooks
{
    /// <summary>The timeout of a finally hook run after Ctrl-C or SIGTERM: the process is on its way out.</summary>
    public static readonly TimeSpan InterruptedTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Variables a hook never inherits: the repository passwords restic and Lifeboat read.</summary>
    private static readonly string[] Secrets = ["RESTIC_PASSWORD", "LIFEBOAT_PASSWORD", "RESTIC_REST_PASSWORD", "LIFEBOAT_REST_PASSWORD"];

    private readonly string _configPath;
    private readonly string _directory;

    public StackHooks(StackConfig config)
    {
        _configPath = Path.GetFullPath(config.File);
        _directory = Path.GetDirectoryName(_configPath) ?? "/";
    }

    /// <summary>
    /// Runs the hooks in order and returns the first failure's line (null when all succeeded). Stops at the first
    /// failure unless <paramref name="runAll"/> (on-failure, finally); every failure is reported. With
    /// <paramref name="interrupted"/>, each hook gets at most <see cref="InterruptedTimeout"/> and is not cancelled.
    /// </summary>
    public async Task<string?> RunAsync(string name, IReadOnlyList<HookConfig> hooks, HookScope scope, Action<string> report,
        CancellationToken cancellationToken, bool runAll = false, bool interrupted = false)
    {
        if (hooks.Count == 0) return null;
        var environment = Environment(name, scope);
        string? firstFailure = null;
        foreach (var hook in hooks)
        {
            var bounded = interrupted && hook.Timeout > InterruptedTimeout ? hook with { Timeout = InterruptedTimeout } : hook;
            var result = await HookRunner.RunAsync(name, bounded, environment, _directory, line => report($"hook {name}: {line}"),
                interrupted ? CancellationToken.None : cancellationToken).ConfigureAwait(false);
            if (result.Succeeded) continue;
            var failure = result.Describe();
            report(failure);
            firstFailure ??= failure;
            if (!runAll) break;
        }
        return firstFailure;
    }

    private Dictionary<string, string?> Environment(string name, HookScope scope)
    {
        var environment = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["LIFEBOAT_HOOK"] = name,
            ["LIFEBOAT_OPERATION"] = scope.Operation,
            ["LIFEBOAT_CONFIG"] = _configPath,
            ["LIFEBOAT_APP"] = scope.App,
            ["LIFEBOAT_APPS"] = scope.App is null ? string.Join(',', scope.Apps) : null,
            ["LIFEBOAT_SNAPSHOT_ID"] = scope.SnapshotId,
            ["LIFEBOAT_OUTCOME"] = scope.Outcome,
            ["LIFEBOAT_ERROR"] = scope.Error,
        };
        foreach (var secret in Secrets) environment[secret] = null;
        return environment;
    }
}
