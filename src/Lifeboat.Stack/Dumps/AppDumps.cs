using System.Globalization;
using Lifeboat.Engine.Backup;
using Lifeboat.Stack.Configuration;

namespace Lifeboat.Stack.Dumps;

/// <summary>
/// An app's dumps as the stream files of its backup (<see cref="BackupOptions.Streams"/>), at the paths of
/// <see cref="DumpLayout"/>. Each tool starts when the archiver reaches its file and is read to its end; a failure
/// of any of them is a <see cref="DumpFailure"/>, so the app gets no snapshot.
/// </summary>
public static class AppDumps
{
    /// <summary>Go mode bits 0600: a dump holds every row (and password hashes); a restored one is for its owner only.</summary>
    public const uint FileMode = 0x180;

    /// <summary>The snapshot path of every file the app's dumps write, in the order of the file.</summary>
    public static IReadOnlyList<string> SnapshotPaths(AppConfig app) =>
        app.Dumps.SelectMany(d => DumpLayout.Files(d).Select(f => f.SnapshotPath)).ToList();

    /// <summary>
    /// Reads each entry's password file and (for a database in a container) the container's environment now, before
    /// anything is written, and returns the stream files; <paramref name="report"/> is told as each dump starts and ends.
    /// </summary>
    /// <exception cref="SourceFailedException">A password file cannot be read, or a container cannot be looked at.</exception>
    public static async Task<IReadOnlyList<StreamSource>> PrepareAsync(AppConfig app, IDumpProcesses processes, Action<string> report,
        CancellationToken cancellationToken)
    {
        var sources = new List<StreamSource>();
        foreach (var dump in app.Dumps)
        {
            var password = dump.PasswordFile is { } file ? DumpCredentials.ReadPasswordFile(dump, file) : null;
            IReadOnlyDictionary<string, string>? environment = null;
            if (dump.Container is { } container && dump.Kind != DumpKind.Command)
            {
                try
                {
                    environment = await processes.ContainerEnvironmentAsync(container, cancellationToken).ConfigureAwait(false);
                }
                catch (SourceFailedException e)
                {
                    throw DumpFailure.Of(dump, e);
                }
            }
            foreach (var (path, database) in DumpLayout.Files(dump))
            {
                var invocation = DumpTools.Dump(dump, database, environment, password);
                var what = dump.Kind == DumpKind.Command ? $"the output of {invocation.Program}" : database is null ? "all databases" : $"database {database}";
                sources.Add(new StreamSource
                {
                    Path = path,
                    Mode = FileMode,
                    Open = async ct =>
                    {
                        report($"{dump.Display}: dumping {what} into {path}");
                        Stream output;
                        try
                        {
                            output = await processes.OpenOutputAsync(invocation, line => report($"{dump.Display}: {line}"), ct).ConfigureAwait(false);
                        }
                        catch (SourceFailedException e)
                        {
                            throw DumpFailure.Of(dump, e);
                        }
                        return new DumpOutputStream(output, dump, bytes => report($"{dump.Display}: {path} dumped, {Size(bytes)}"));
                    },
                });
            }
        }
        return sources;
    }

    private static string Size(long bytes) => bytes < 1 << 20
        ? string.Create(CultureInfo.InvariantCulture, $"{bytes} bytes")
        : string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1 << 20):0.0} MiB");
}
