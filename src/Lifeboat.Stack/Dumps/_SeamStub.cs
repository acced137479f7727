// TEMPORARY, not committed: the shape of dumpsin's seam until it is merged
using Lifeboat.Stack.Configuration;
namespace Lifeboat.Stack.Dumps;
public sealed record DumpInvocation { public required IReadOnlyList<string> Argv { get; init; } public IReadOnlyDictionary<string,string> Environment { get; init; } = new Dictionary<string,string>(); public string? Container { get; init; } }
public sealed record DumpProcessResult(int ExitCode, IReadOnlyList<string> Tail);
public interface IDumpProcesses
{
    Task<Stream> OpenOutputAsync(DumpInvocation invocation, Action<string>? errorLine, CancellationToken ct);
    Task<DumpProcessResult> RunWithInputAsync(DumpInvocation invocation, Stream input, Action<string>? outputLine, CancellationToken ct);
}
public static class DumpTools
{
    public static IReadOnlyList<DumpInvocation> Load(DumpConfig dump, string? sourceDatabase, string? targetDatabase, IReadOnlyDictionary<string,string>? containerEnv, string? password) => throw new NotImplementedException();
}
