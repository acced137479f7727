namespace Lifeboat.Stack.Verification;

/// <summary>
/// A secret found in a git work tree: what (the repository password, its base64, a restic key file), the file's path
/// in the tree, and where: a commit (the oldest that holds it), "staged, not committed" or "uncommitted, in the work tree".
/// </summary>
public sealed record GitSecretFinding(string What, string Path, string Where, string? Commit = null);
