namespace Lifeboat.Stack.Dumps;

/// <summary>
/// The user's choice about an app's dumps (restore's --replace-databases, --dumps-only, --no-dumps and
/// --target-database), checked on its own before anything is read; what it means for a snapshot is
/// <see cref="DumpPlan"/>'s to say.
/// </summary>
public sealed record DumpRestoreChoice
{
    public DumpRestoreMode Mode { get; init; }

    /// <summary>--target-database values as given: OLD=NEW, or NEW alone.</summary>
    public IReadOnlyList<string> TargetDatabases { get; init; } = [];

    public bool LoadsDumps => Mode is DumpRestoreMode.FilesAndDumps or DumpRestoreMode.DumpsOnly;

    /// <summary>The flags as the command line gives them; a combination that makes no sense is a <see cref="StackException"/> naming it.</summary>
    public static DumpRestoreChoice From(bool replaceDatabases, bool dumpsOnly, bool noDumps, IReadOnlyList<string> targetDatabases)
    {
        if (noDumps && (replaceDatabases || dumpsOnly))
            throw new StackException($"--no-dumps restores the files only: leave out {(dumpsOnly ? "--dumps-only" : "--replace-databases")}");
        if (dumpsOnly && !replaceDatabases)
            throw new StackException("--dumps-only loads the dumps over what the databases hold now: confirm it with --replace-databases");
        if (targetDatabases.Count > 0 && !replaceDatabases)
            throw new StackException("--target-database says where a dump is loaded: it needs --replace-databases");
        foreach (var given in targetDatabases)
        {
            int equals = given.IndexOf('=');
            var (old, target) = equals < 0 ? ("", given) : (given[..equals], given[(equals + 1)..]);
            if (target.Length == 0 || (equals >= 0 && old.Length == 0))
                throw new StackException($"--target-database {given}: give OLD=NEW (the dumped database and the one to load it into), or NEW alone when the app has one database dump");
            if (target.Contains('=') || target.Contains('\0'))
                throw new StackException($"--target-database {given}: \"{target}\" is not a database name this restore can use");
        }
        var mode = noDumps ? DumpRestoreMode.FilesOnly : dumpsOnly ? DumpRestoreMode.DumpsOnly : replaceDatabases ? DumpRestoreMode.FilesAndDumps : DumpRestoreMode.Unchosen;
        return new DumpRestoreChoice { Mode = mode, TargetDatabases = targetDatabases };
    }
}
