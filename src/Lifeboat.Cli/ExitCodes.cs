namespace Lifeboat.Cli;

/// <summary>restic's exit codes, so scripts keep working.</summary>
public static class ExitCodes
{
    public const int Ok = 0;
    public const int Fatal = 1;
    /// <summary>doctor: nothing failed, but some items need attention.</summary>
    public const int DoctorWarnings = 2;
    public const int PartialBackup = 3;
    public const int NoRepository = 10;
    public const int LockFailed = 11;
    public const int WrongPassword = 12;
    public const int Interrupted = 130;
}
