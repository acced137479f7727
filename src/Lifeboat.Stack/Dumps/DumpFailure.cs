using Lifeboat.Engine.Backup;
using Lifeboat.Stack.Configuration;

namespace Lifeboat.Stack.Dumps;

/// <summary>
/// The one line a user reads when a dump fails: the entry, then what its tool said last on its standard error
/// ("postgres dump \"postgres\" (container immich_db) failed: pg_dump: error: connection ... password authentication
/// failed"), or why it could not run. A <see cref="SourceFailedException"/>, so that the backup writes no snapshot.
/// </summary>
public static class DumpFailure
{
    /// <summary>The last lines of the tool's standard error quoted: the first error line is often followed by its detail.</summary>
    private const int QuotedLines = 3;

    public static SourceFailedException Of(DumpConfig dump, Exception reason) =>
        new($"{dump.Display} failed: {Reason(reason)}", reason) { ErrorOutput = (reason as SourceFailedException)?.ErrorOutput ?? "" };

    public static SourceFailedException Of(DumpConfig dump, string reason) => new($"{dump.Display} failed: {reason}");

    private static string Reason(Exception e)
    {
        var said = (e as SourceFailedException)?.ErrorOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [];
        return said.Length > 0 ? string.Join(' ', said.TakeLast(QuotedLines)) : OneLine(e.Message);
    }

    private static string OneLine(string text) =>
        string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
