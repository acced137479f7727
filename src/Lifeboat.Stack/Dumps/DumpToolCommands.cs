using Lifeboat.Stack.Configuration;

namespace Lifeboat.Stack.Dumps;

/// <summary><see cref="IDumpCommands"/> as DumpTools writes the command lines, with each entry's credentials.</summary>
public sealed class DumpToolCommands : IDumpCommands
{
    public static IDumpProcesses DefaultProcesses() => throw new NotImplementedException();

    public Task<IReadOnlyList<DumpInvocation>> LoadAsync(DumpLoad load, CancellationToken cancellationToken) => throw new NotImplementedException();
    public Task<IReadOnlyList<DumpInvocation>> RecreateAsync(DumpConfig entry, string database, CancellationToken cancellationToken) => throw new NotImplementedException();
    public Task<DumpInvocation> CountTablesAsync(DumpConfig entry, string database, CancellationToken cancellationToken) => throw new NotImplementedException();
    public Task<DumpInvocation> ArchiveCheckAsync(DumpConfig entry, CancellationToken cancellationToken) => throw new NotImplementedException();
}
