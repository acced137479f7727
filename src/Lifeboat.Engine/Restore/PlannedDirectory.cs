namespace Lifeboat.Engine.Restore;

/// <summary>A directory of the plan: its parent's number and its name, so that paths are built only when needed.</summary>
internal struct PlannedDirectory
{
    public int Parent;
    public string Name;
    /// <summary>Applied after everything inside is restored.</summary>
    public ItemMetadata Metadata;
}
