using Lifeboat.Engine.Model;
using Lifeboat.Stack.Configuration;

namespace Lifeboat.Stack.Verification;

/// <summary>What a restore test tells its caller as it goes; the caller renders it (the test never prints).</summary>
public interface IRestoreTestObserver
{
    /// <summary>The app's snapshot was chosen and its files are about to be restored.</summary>
    void AppStarting(AppConfig app, Snapshot snapshot, long files, long bytes);
    /// <summary>The app's test is over (passed or failed) and its record was written.</summary>
    void AppFinished(RestoreTestRecord record);
}
