namespace Lifeboat.Stack.Dumps;

/// <summary>How a program given its input ended: its exit code, and the last lines it wrote (standard error and output, in order).</summary>
public sealed record DumpProcessResult(int ExitCode, string OutputTail)
{
    public bool Succeeded => ExitCode == 0;
}
