using Lifeboat.Stack.Configuration;

namespace Lifeboat.Stack.Scenarios;

/// <summary>What a stack restore tells its caller as it goes; the caller renders it (the scenario never prints).</summary>
public interface IStackRestoreObserver
{
    /// <summary>A step worth telling: containers stopped or started, a leftover that could not be removed.</summary>
    void AppEvent(AppConfig app, string message);
    /// <summary>An item could not be restored; an in-place restore then changes nothing.</summary>
    void ItemError(AppConfig app, string path, Exception error);
    /// <summary>A step of the stack as a whole: the output and failures of the stack's own hooks.</summary>
    void StackEvent(string message) { }
}
