namespace Lifeboat.Stack.Dumps;

/// <summary>A program run around a load (a psql or mariadb client given a short script on its standard input).</summary>
public sealed record DumpStep(DumpInvocation Invocation, string Script);
