using System.Text;
using Lifeboat.Engine.Platform;

namespace Lifeboat.Stack.Operations.Metrics;

/// <summary>
/// Writes metrics text for node-exporter's textfile collector, which may read the file at any moment: the text goes
/// to a temporary file in the same directory (named so that the collector, which reads *.prom, skips it), is synced,
/// made world-readable (0644: the exporter often runs as another user) and renamed over the file.
/// </summary>
public static class MetricsTextFile
{
    private const UnixFileMode Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    public static void Write(string path, string text)
    {
        var file = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(file)!;
        var temp = Path.Combine(directory, $".{Path.GetFileName(file)}.{Environment.ProcessId}.tmp");
        try
        {
            using (var stream = new FileStream(temp, new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, UnixCreateMode = Mode }))
            {
                stream.Write(Encoding.UTF8.GetBytes(text));
                stream.Flush(flushToDisk: true);
            }
            File.SetUnixFileMode(temp, Mode); // the umask may have taken bits away
            File.Move(temp, file, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
        Posix.FsyncDirectory(directory);
    }
}
