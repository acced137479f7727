namespace Lifeboat.Stack.Dumps;

/// <summary>What an in-place restore does with the dumps in the snapshot: the user's confirmation flags.</summary>
public enum DumpRestoreMode
{
    /// <summary>No flag given: a snapshot with dumps is not restored at all until the user chooses.</summary>
    Unchosen,
    /// <summary>--replace-databases: the files, then each dump loaded over what its database holds.</summary>
    FilesAndDumps,
    /// <summary>--dumps-only --replace-databases: the dumps only, the files untouched.</summary>
    DumpsOnly,
    /// <summary>--no-dumps: the files only.</summary>
    FilesOnly,
}
