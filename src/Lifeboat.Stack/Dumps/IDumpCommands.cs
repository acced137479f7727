using Lifeboat.Stack.Configuration;

namespace Lifeboat.Stack.Dumps;

/// <summary>
/// The programs restore and verify run for a dump entry, with its credentials (DumpTools' command lines, on the host or
/// in the entry's container); behind an interface so that the flow around them is tested on its own.
/// </summary>
public interface IDumpCommands
{
    /// <summary>The programs that load the dump into <see cref="DumpLoad.Database"/> (creating it when missing).</summary>
    Task<DumpLoadSteps> LoadAsync(DumpLoad load, CancellationToken cancellationToken);

    /// <summary>The programs that drop <paramref name="database"/> (when there) and create it empty: verify's scratch database.</summary>
    Task<IReadOnlyList<DumpInvocation>> RecreateAsync(DumpConfig entry, string database, CancellationToken cancellationToken);

    /// <summary>A program whose standard output ends with the number of tables in <paramref name="database"/>.</summary>
    Task<DumpInvocation> CountTablesAsync(DumpConfig entry, string database, CancellationToken cancellationToken);

    /// <summary>The program that reads a .pgdump whole from its standard input and fails when it is damaged or cut short.</summary>
    Task<DumpInvocation> ArchiveCheckAsync(DumpConfig entry, CancellationToken cancellationToken);
}
