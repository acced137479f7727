namespace Lifeboat.Stack.Scenarios;

/// <summary>The long steps of a restore in place, in their order.</summary>
public enum StackRestorePhase
{
    /// <summary>The snapshot's files are written into the staging directories beside their destinations.</summary>
    Restoring,
    /// <summary>The staged items are renamed into place (journaled).</summary>
    Placing,
    /// <summary>The replaced files are removed with the trash and staging directories.</summary>
    RemovingTrash,
}
