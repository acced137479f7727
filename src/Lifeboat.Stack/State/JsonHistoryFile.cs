using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Lifeboat.Engine.Platform;

namespace Lifeboat.Stack.State;

/// <summary>
/// A history of records kept as one JSON array, oldest first, rewritten whole (temp, fsync, rename, fsync of the
/// directory) on each append so that a crash leaves the previous history. Capped: the oldest records go first.
/// </summary>
public sealed class JsonHistoryFile<T>
{
    private readonly JsonTypeInfo<List<T>> _contract;
    private readonly Func<T, DateTimeOffset> _time;
    private readonly int _maxRecords;
    private readonly string _description;
    private readonly string _damagedHint;

    /// <param name="time">When a record happened: the history is kept in this order.</param>
    /// <param name="description">What the file is, for errors: "the restore-test history".</param>
    /// <param name="damagedHint">What to tell the user when the file is damaged, after "... is damaged; ".</param>
    /// <param name="contract">The list's JSON contract, from <see cref="StateJsonContext"/>.</param>
    public JsonHistoryFile(string filePath, JsonTypeInfo<List<T>> contract, Func<T, DateTimeOffset> time, int maxRecords, string description, string damagedHint)
    {
        _description = description;
        _contract = contract;
        FilePath = filePath;
        _time = time;
        _maxRecords = maxRecords;
        _damagedHint = damagedHint;
    }

    public string FilePath { get; }

    /// <summary>Every record, oldest first; none when the file does not exist. A damaged file is an error naming it.</summary>
    public IReadOnlyList<T> ReadAll()
    {
        byte[] json;
        try
        {
            json = File.ReadAllBytes(FilePath);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return [];
        }
        try
        {
            return JsonSerializer.Deserialize(json, _contract) ?? [];
        }
        catch (JsonException)
        {
            throw new StackException($"{_description} {FilePath} is damaged; {_damagedHint}");
        }
    }

    public void Append(IEnumerable<T> records)
    {
        var all = ReadAll().Concat(records).OrderBy(_time).ToList();
        if (all.Count > _maxRecords) all.RemoveRange(0, all.Count - _maxRecords);
        var directory = Path.GetDirectoryName(FilePath)!;
        Directory.CreateDirectory(directory);
        var temp = Path.Combine(directory, $".{Path.GetFileNameWithoutExtension(FilePath)}.{Environment.ProcessId}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                JsonSerializer.Serialize(stream, all, _contract);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, FilePath, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
        Posix.FsyncDirectory(directory);
    }
}
