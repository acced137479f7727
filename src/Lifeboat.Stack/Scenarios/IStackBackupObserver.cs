using Lifeboat.Stack.Configuration;

namespace Lifeboat.Stack.Scenarios;

/// <summary>What a stack backup tells its caller as it goes; the caller renders it (the scenario never prints).</summary>
public interface IStackBackupObserver
{
    void AppStarting(AppConfig app);
    /// <summary>A step worth telling: containers stopped or started, databases copied.</summary>
    void AppEvent(AppConfig app, string message);
    /// <summary>Something the user should act on though the backup goes on (a container that cannot be found).</summary>
    void AppWarning(AppConfig app, string message) => AppEvent(app, "warning: " + message);
    /// <summary>An item could not be read; the app's snapshot goes on without it.</summary>
    void ItemError(AppConfig app, string path, string during, Exception error);
    void AppFinished(AppBackupResult result);
    /// <summary>A step of the stack as a whole: the output and failures of the stack's own hooks.</summary>
    void StackEvent(string message) { }
}
