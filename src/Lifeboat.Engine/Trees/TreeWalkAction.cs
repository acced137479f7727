namespace Lifeboat.Engine.Trees;

/// <summary>What the walk does after a node was visited.</summary>
public enum TreeWalkAction
{
    /// <summary>Go on: into the directory's subtree when it was entered, then to the next node.</summary>
    Continue,

    /// <summary>Do not walk into this directory's subtree (even though it was loaded); go on with the next node.</summary>
    SkipSubtree,

    /// <summary>End the whole walk here; <see cref="TreeWalker.WalkAsync(Id, ITreeVisitor, CancellationToken)"/> returns normally.</summary>
    Stop,
}
