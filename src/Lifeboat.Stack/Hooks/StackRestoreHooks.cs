using Lifeboat.Engine.Model;
using Lifeboat.Stack.Configuration;
using Lifeboat.Stack.Scenarios;

namespace Lifeboat.Stack.Hooks;

/// <summary>
/// The restore hooks around an in-place restore or a rebuild: the stack's before once before any app and after once
/// when every app is back; each app's before before anything of it is written (a failure stops its restore) and after
/// once its files are in place and its containers run again. A failing hook fails with a <see cref="StackException"/>.
/// </summary>
public sealed class StackRestoreHooks
{
    private const string Operation = "restore";

    private readonly StackHooks _hooks;
    private readonly RestoreHooks _stack;
    private readonly Action<AppConfig, string> _appReport;
    private readonly Action<string> _stackReport;

    public StackRestoreHooks(StackConfig config, Action<AppConfig, string> appReport, Action<string> stackReport)
    {
        _hooks = new StackHooks(config);
        _stack = config.Hooks.Restore;
        _appReport = appReport;
        _stackReport = stackReport;
    }

    /// <summary>The stack's restore.before hooks, before any app is restored.</summary>
    public async Task BeforeAllAsync(IReadOnlyList<AppConfig> apps, CancellationToken cancellationToken)
    {
        var scope = new HookScope { Operation = Operation, Apps = apps.Select(a => a.Name).ToList() };
        if (await _hooks.RunAsync("restore.before", _stack.Before, scope, _stackReport, cancellationToken).ConfigureAwait(false) is { } failure)
            throw new StackException($"{failure}; nothing was restored");
    }

    /// <summary>The stack's restore.after hooks, once every app is restored.</summary>
    public async Task AfterAllAsync(IReadOnlyList<AppConfig> apps, CancellationToken cancellationToken)
    {
        var scope = new HookScope { Operation = Operation, Apps = apps.Select(a => a.Name).ToList(), Outcome = HookScope.Success };
        if (await _hooks.RunAsync("restore.after", _stack.After, scope, _stackReport, cancellationToken).ConfigureAwait(false) is { } failure)
            throw new StackException($"{string.Join(", ", apps.Select(a => a.Name))} restored, but {failure}");
    }

    /// <summary>Restores one app between its hooks: <paramref name="restore"/> runs only when its before hooks succeed.</summary>
    public async Task<AppRestoreResult> AroundAppAsync(AppConfig app, Snapshot snapshot, Func<CancellationToken, Task<AppRestoreResult>> restore,
        CancellationToken cancellationToken)
    {
        var hooks = app.Hooks.Restore;
        var scope = new HookScope { Operation = Operation, App = app.Name, SnapshotId = snapshot.Id.ToString() };
        void Report(string message) => _appReport(app, message);
        if (await _hooks.RunAsync("restore.before", hooks.Before, scope, Report, cancellationToken).ConfigureAwait(false) is { } beforeFailure)
            throw new StackException($"{app.Name}: not restored: {beforeFailure}");
        var result = await restore(cancellationToken).ConfigureAwait(false);
        if (await _hooks.RunAsync("restore.after", hooks.After, scope with { Outcome = HookScope.Success }, Report, cancellationToken).ConfigureAwait(false) is { } afterFailure)
            throw new StackException($"{app.Name}: snapshot {snapshot.Id.ToShortString()} restored, but {afterFailure}");
        return result;
    }
}
