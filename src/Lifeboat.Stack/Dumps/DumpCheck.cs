using System.Globalization;
using Lifeboat.Engine.Backup;
using Lifeboat.Engine.Repository;
using Repo = Lifeboat.Engine.Repository.Repository;

namespace Lifeboat.Stack.Dumps;

/// <summary>
/// verify's check of the dumps in a snapshot: each file is read back whole from the repository (as a stream) and
/// checked by what wrote it: a .pgdump by pg_restore reading all of it (pg_restore --list alone reads only the table of
/// contents at its start, and passes a dump cut short), an SQL file by its tool's header and completion line, a
/// command's output by being there and not empty. With the entry's scratch-database: a single database's dump is
/// also loaded into it (dropped and created first), and its tables counted.
/// </summary>
public sealed class DumpCheck
{
    private readonly Repo _repository;
    private readonly Func<IDumpProcesses> _processesFactory;
    private readonly IDumpCommands _commands;
    private IDumpProcesses? _processes;

    /// <param name="processes">Made once, only when a program is run.</param>
    public DumpCheck(Repo repository, Func<IDumpProcesses> processes, IDumpCommands commands)
    {
        _repository = repository;
        _processesFactory = processes;
        _commands = commands;
    }

    private IDumpProcesses Processes => _processes ??= _processesFactory();

    public async Task<DumpCheckRecord> CheckAsync(SnapshotDumpFile file, CancellationToken cancellationToken)
    {
        var check = file.Format switch
        {
            DumpFileFormat.PostgresCustom => "pg_restore",
            DumpFileFormat.Command => "read",
            _ => "text",
        };
        var record = new DumpCheckRecord { Path = file.SnapshotPath, Database = file.Database, Bytes = (long)file.Node.Size, Check = check, Passed = false };
        string? problem;
        try
        {
            problem = await ReadAndCheckAsync(file, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is RepositoryException or IOException or SourceFailedException or StackException or InvalidOperationException)
        {
            problem = $"cannot be checked: {e.Message}";
        }
        if (problem is not null) return record with { Problem = problem };
        if (file.Entry.ScratchDatabase is not { } scratch || file.Database is null) return record with { Passed = true };

        record = record with { ScratchDatabase = scratch };
        try
        {
            var (tables, loadProblem) = await LoadIntoScratchAsync(file, scratch, cancellationToken).ConfigureAwait(false);
            return loadProblem is null
                ? record with { Passed = true, ScratchTables = tables }
                : record with { Problem = $"does not load into the scratch database {scratch}: {loadProblem}" };
        }
        catch (Exception e) when (e is RepositoryException or IOException or SourceFailedException or StackException or InvalidOperationException)
        {
            return record with { Problem = $"does not load into the scratch database {scratch}: {e.Message}" };
        }
    }

    private async Task<string?> ReadAndCheckAsync(SnapshotDumpFile file, CancellationToken cancellationToken)
    {
        await using var content = new FileContentStream(_repository, file.Node, file.SnapshotPath);
        switch (file.Format)
        {
            case DumpFileFormat.PostgresCustom:
                var reader = await _commands.ArchiveCheckAsync(file.Entry, cancellationToken).ConfigureAwait(false);
                var result = await Processes.RunWithInputAsync(reader, content, null, cancellationToken).ConfigureAwait(false);
                return DumpRestore.Failure(reader, result) is { } failure ? $"pg_restore cannot read it whole: {failure}" : null;
            case DumpFileFormat.Command:
                var buffer = new byte[81920];
                long total = 0;
                int n;
                while ((n = await content.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0) total += n;
                return total == 0 ? "it is empty" : null;
            default:
                return await DumpTextCheck.CheckAsync(content, file.Format, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<(long Tables, string? Problem)> LoadIntoScratchAsync(SnapshotDumpFile file, string scratch, CancellationToken cancellationToken)
    {
        var recreate = await _commands.RecreateAsync(file.Entry, scratch, cancellationToken).ConfigureAwait(false);
        if (await DumpRestore.RunAsync(Processes, recreate, cancellationToken).ConfigureAwait(false) is { } failure)
            return (0, $"it cannot be dropped and created: {failure}");
        if (await DumpRestore.RunStepsAsync(_repository, Processes, _commands, new DumpLoad(file, scratch), cancellationToken).ConfigureAwait(false) is { } loadFailure)
            return (0, loadFailure);
        var count = await _commands.CountTablesAsync(file.Entry, scratch, cancellationToken).ConfigureAwait(false);
        var lines = new List<string>();
        var result = await Processes.RunWithInputAsync(count, null, lines.Add, cancellationToken).ConfigureAwait(false);
        if (DumpRestore.Failure(count, result) is { } countFailure) return (0, $"its tables could not be counted: {countFailure}");
        var last = lines.Select(l => l.Trim()).LastOrDefault(l => l.Length > 0) ?? "";
        return long.TryParse(last, NumberStyles.None, CultureInfo.InvariantCulture, out var tables)
            ? (tables, null)
            : (0, $"its tables could not be counted ({count.Program} printed \"{last}\")");
    }
}
