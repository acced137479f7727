namespace Lifeboat.Cli;

/// <summary>A user-facing failure: printed as one "Fatal:" line, never a stack trace.</summary>
public sealed class CliException(string message, int exitCode = ExitCodes.Fatal) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}
