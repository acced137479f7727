using System.Runtime.InteropServices;

namespace Lifeboat.Stack.Operations;

/// <summary>kill(2): .NET's Process can only SIGKILL; a job is first asked with SIGTERM, which the CLI turns into a clean stop.</summary>
internal static partial class ChildSignal
{
    public const int SigTerm = 15;

    /// <summary>Sends the signal; false when the process is already gone.</summary>
    public static bool Send(int pid, int signal) => pid > 0 && kill(pid, signal) == 0;

    [LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int pid, int signal);
}
