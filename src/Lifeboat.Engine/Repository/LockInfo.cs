using System.Text.Json;
using Lifeboat.Engine.Model;

namespace Lifeboat.Engine.Repository;

/// <summary>A lock file's content, as restic writes it.</summary>
public sealed record LockInfo(GoTime Time, bool Exclusive, string Hostname, string Username, int Pid, uint Uid, uint Gid)
{
    public static readonly TimeSpan StaleAfter = TimeSpan.FromMinutes(30);

    public byte[] ToJson()
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteString("time", Time.ToString());
            w.WriteBoolean("exclusive", Exclusive);
            w.WriteString("hostname", Hostname);
            w.WriteString("username", Username);
            w.WriteNumber("pid", Pid);
            if (Uid != 0) w.WriteNumber("uid", Uid);
            if (Gid != 0) w.WriteNumber("gid", Gid);
            w.WriteEndObject();
        }
        return buffer.ToArray();
    }

    /// <summary>Parses a lock file's JSON; anything else (another host's garbage, a crafted file) is a Damaged error.</summary>
    public static LockInfo Parse(ReadOnlySpan<byte> json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json.ToArray());
            var root = doc.RootElement;
            string Str(string name) => KeyFile.TryProperty(root, name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() ?? "" : "";
            long Num(string name) => KeyFile.TryProperty(root, name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt64() : 0;
            bool exclusive = KeyFile.TryProperty(root, "exclusive", out var ex) && ex.ValueKind == JsonValueKind.True;
            return new LockInfo(GoTime.Parse(Str("time")), exclusive, Str("hostname"), Str("username"), (int)Num("pid"), (uint)Num("uid"), (uint)Num("gid"));
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            // a lock that is a JSON array or a number threw InvalidOperationException, which the lock check let through
            throw new RepositoryException(RepositoryErrorKind.Damaged, $"lock file cannot be decoded: {e.Message}");
        }
    }

    /// <summary>restic's Lock.Stale: older than 30 minutes, or from this host and its process is gone.</summary>
    public bool IsStale(string thisHost, Func<int, bool> processExists)
    {
        if (DateTimeOffset.UtcNow - Time.ToDateTimeOffset() > StaleAfter) return true;
        return Hostname == thisHost && !processExists(Pid);
    }

    public string Describe(Id id) =>
        $"{(Exclusive ? "exclusive" : "shared")} lock {id.ToShortString()} by PID {Pid} on {Hostname} by {Username}, created {Time.ToDateTimeOffset().ToLocalTime():yyyy-MM-dd HH:mm:ss}";
}
