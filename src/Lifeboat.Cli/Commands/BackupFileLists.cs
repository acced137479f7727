namespace Lifeboat.Cli.Commands;

/// <summary>
/// The lists of files to back up that --files-from-verbatim and --files-from-raw name (restic 0.12), "-" for standard
/// input: verbatim is one name a line, nothing trimmed nor expanded, empty lines skipped; raw is names each ended by
/// a NUL byte (find -print0), any byte but NUL allowed.
/// </summary>
internal static class BackupFileLists
{
    public static List<string> Verbatim(string list)
    {
        var data = Read(list, "--files-from-verbatim").AsSpan();
        if (data.StartsWith("\uFEFF"u8)) data = data[3..];
        var names = new List<string>();
        while (data.Length > 0)
        {
            int end = data.IndexOf((byte)'\n');
            var line = end < 0 ? data : data[..end];
            if (line.EndsWith("\r"u8)) line = line[..^1];
            if (line.Length > 0) names.Add(Lifeboat.Engine.FsNames.FromBytes(line));
            data = end < 0 ? default : data[(end + 1)..];
        }
        return names;
    }

    public static List<string> Raw(string list)
    {
        var data = Read(list, "--files-from-raw");
        var names = new List<string>();
        int start = 0;
        while (start < data.Length)
        {
            int end = Array.IndexOf(data, (byte)0, start);
            if (end < 0) throw new CliException("--files-from-raw: trailing zero byte missing");
            if (end == start) throw new CliException("--files-from-raw: empty filename in listing");
            names.Add(Lifeboat.Engine.FsNames.FromBytes(data.AsSpan(start, end - start)));
            start = end + 1;
        }
        return names;
    }

    private static byte[] Read(string list, string option)
    {
        try
        {
            if (list != "-") return File.ReadAllBytes(list);
            using var stdin = Console.OpenStandardInput();
            using var buffer = new MemoryStream();
            stdin.CopyTo(buffer);
            return buffer.ToArray();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"{option}: cannot read {list}: {e.Message}");
        }
    }
}
