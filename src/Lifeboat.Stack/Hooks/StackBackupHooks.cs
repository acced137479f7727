using Lifeboat.Stack.Configuration;
using Lifeboat.Stack.Scenarios;

namespace Lifeboat.Stack.Hooks;

/// <summary>
/// The backup hooks around a stack backup. The stack's: before once before any app (a failure backs up nothing),
/// after once when no app failed, on-failure when one did, finally always. Each app's: before before its containers
/// are touched (a failure skips the app), after once its snapshot is saved (a failure fails the app), on-failure when
/// the app failed, finally always; after Ctrl-C or SIGTERM only the finally hooks run, briefly.
/// </summary>
public sealed class StackBackupHooks
{
    private const string Operation = "backup";

    private readonly StackHooks _hooks;
    private readonly BackupHooks _stack;
    private readonly IReadOnlyList<string> _apps;
    private readonly Action<AppConfig, string> _appReport;
    private readonly Action<string> _stackReport;

    /// <param name="appReport">Gets the output and failures of an app's hooks.</param>
    /// <param name="stackReport">Gets the output and failures of the stack's own hooks.</param>
    public StackBackupHooks(StackConfig config, IReadOnlyList<AppConfig> apps, Action<AppConfig, string> appReport, Action<string> stackReport)
    {
        _hooks = new StackHooks(config);
        _stack = config.Hooks.Backup;
        _apps = apps.Select(a => a.Name).ToList();
        _appReport = appReport;
        _stackReport = stackReport;
    }

    private HookScope StackScope => new() { Operation = Operation, Apps = _apps };

    /// <summary>The stack's before hooks; the first failure's line, or null.</summary>
    public Task<string?> BeforeAllAsync(CancellationToken cancellationToken) =>
        _hooks.RunAsync("backup.before", _stack.Before, StackScope, _stackReport, cancellationToken);

    /// <summary>
    /// The stack's after, on-failure and finally hooks, given the apps' results (or why no app ran); returns the first
    /// failure of these hooks themselves, or null. With <paramref name="interrupted"/>, only the finally hooks run.
    /// </summary>
    public async Task<string?> AfterAllAsync(IReadOnlyList<AppBackupResult> results, string? failure, CancellationToken cancellationToken, bool interrupted = false)
    {
        failure ??= results.Any(r => r.Failed) ? string.Join("; ", results.Where(r => r.Failed).Select(r => $"{r.App}: {r.Error}")) : null;
        var scope = StackScope with { Outcome = failure is not null ? HookScope.Failure : results.Any(r => r.IsPartial) ? HookScope.Warning : HookScope.Success, Error = failure };
        string? hookFailure = null;
        if (!interrupted)
        {
            if (failure is null && await _hooks.RunAsync("backup.after", _stack.After, scope, _stackReport, cancellationToken).ConfigureAwait(false) is { } afterFailure)
            {
                hookFailure = afterFailure;
                scope = scope with { Outcome = HookScope.Failure, Error = afterFailure };
            }
            if (scope.Error is not null
                && await _hooks.RunAsync("backup.on-failure", _stack.OnFailure, scope, _stackReport, cancellationToken, runAll: true).ConfigureAwait(false) is { } onFailureFailure)
                hookFailure ??= onFailureFailure;
        }
        var finallyFailure = await _hooks.RunAsync("backup.finally", _stack.Finally, scope, _stackReport, cancellationToken, runAll: true, interrupted: interrupted).ConfigureAwait(false);
        return hookFailure ?? finallyFailure;
    }

    /// <summary>
    /// Backs up one app between its hooks: <paramref name="backup"/> runs only when the before hooks succeed, and
    /// returns the app's result (an exception it throws fails the app; a cancellation is thrown on). Returns the result the hooks leave.
    /// </summary>
    public async Task<AppBackupResult> AroundAppAsync(AppConfig app, Func<CancellationToken, Task<AppBackupResult>> backup, CancellationToken cancellationToken)
    {
        var hooks = app.Hooks.Backup;
        var scope = new HookScope { Operation = Operation, App = app.Name };
        void Report(string message) => _appReport(app, message);
        AppBackupResult result;
        try
        {
            if (await _hooks.RunAsync("backup.before", hooks.Before, scope, Report, cancellationToken).ConfigureAwait(false) is { } beforeFailure)
            {
                result = new AppBackupResult { App = app.Name, Error = $"not backed up: {beforeFailure}" };
            }
            else
            {
                try
                {
                    result = await backup(cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    result = new AppBackupResult { App = app.Name, Error = StackBackup.OneLine(e) };
                }
                if (!result.Failed && await _hooks.RunAsync("backup.after", hooks.After, ScopeOf(scope, result), Report, cancellationToken).ConfigureAwait(false) is { } afterFailure)
                    result = result with { Error = $"snapshot {result.SnapshotId?.ToShortString()} saved, but {afterFailure}" };
            }
            if (result.Failed)
                await _hooks.RunAsync("backup.on-failure", hooks.OnFailure, ScopeOf(scope, result), Report, cancellationToken, runAll: true).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await _hooks.RunAsync("backup.finally", hooks.Finally, scope with { Outcome = HookScope.Failure, Error = "interrupted" }, Report,
                cancellationToken, runAll: true, interrupted: true).ConfigureAwait(false);
            throw;
        }
        if (await _hooks.RunAsync("backup.finally", hooks.Finally, ScopeOf(scope, result), Report, cancellationToken, runAll: true).ConfigureAwait(false) is { } finallyFailure
            && !result.Failed)
            result = result with { Error = $"snapshot {result.SnapshotId?.ToShortString()} saved, but {finallyFailure}" };
        return result;
    }

    private static HookScope ScopeOf(HookScope scope, AppBackupResult result) => scope with
    {
        SnapshotId = result.SnapshotId?.ToString(),
        Outcome = result.Failed ? HookScope.Failure : result.IsPartial ? HookScope.Warning : HookScope.Success,
        Error = result.Error,
    };
}
