using System.Text;
using System.Text.Json;

namespace Lifeboat.Stack.Verification;

/// <summary>
/// What the doctor looks for in files: the repository password (its exact bytes, and its base64 as a Kubernetes
/// secret or a .env generator would store it) and restic key files (JSON with "kdf": "scrypt" and the sealed "data").
/// Content is fed in chunks; a match across two chunks is found.
/// </summary>
public sealed class SecretMatcher
{
    /// <summary>A password shorter than this matches too much ordinary text to be searched for.</summary>
    public const int MinSearchableLength = 6;
    /// <summary>restic's key files are a few hundred bytes; bigger files are not parsed as one.</summary>
    private const int MaxKeyFileSize = 64 * 1024;

    private readonly (string Kind, byte[] Bytes)[] _patterns;
    private readonly int _overlap;
    private readonly byte[] _carry;
    private int _carryLength;
    private readonly MemoryStream _head = new();
    private long _length;
    private readonly HashSet<string> _found = [];

    /// <param name="password">null when it is unknown (or too short): then only key files are looked for.</param>
    public SecretMatcher(string? password)
    {
        if (password is { Length: >= MinSearchableLength })
        {
            var bytes = Encoding.UTF8.GetBytes(password);
            _patterns = [("the repository password", bytes), ("the repository password (base64)", Encoding.ASCII.GetBytes(Convert.ToBase64String(bytes)))];
        }
        else _patterns = [];
        _overlap = _patterns.Length == 0 ? 0 : _patterns.Max(p => p.Bytes.Length) - 1;
        _carry = new byte[_overlap];
    }

    public bool SearchesPassword => _patterns.Length > 0;

    /// <summary>Starts a new file.</summary>
    public void Reset()
    {
        _carryLength = 0;
        _head.SetLength(0);
        _length = 0;
        _found.Clear();
    }

    public void Feed(ReadOnlySpan<byte> chunk)
    {
        _length += chunk.Length;
        if (_head.Length < MaxKeyFileSize + 1) _head.Write(chunk[..Math.Min(chunk.Length, MaxKeyFileSize + 1 - (int)_head.Length)]);
        if (_patterns.Length == 0) return;
        foreach (var (kind, bytes) in _patterns)
        {
            if (chunk.IndexOf(bytes) >= 0) _found.Add(kind);
            else if (_carryLength > 0 && CrossesBoundary(bytes, chunk)) _found.Add(kind);
        }
        // keep the last bytes seen, so that a match across the next boundary is found
        var tail = chunk.Length >= _overlap ? chunk[^_overlap..] : chunk;
        if (tail.Length < _overlap)
        {
            int keep = Math.Min(_carryLength, _overlap - tail.Length);
            _carry.AsSpan(_carryLength - keep, keep).CopyTo(_carry);
            _carryLength = keep;
        }
        else _carryLength = 0;
        tail.CopyTo(_carry.AsSpan(_carryLength));
        _carryLength += tail.Length;
    }

    /// <summary>A match that starts in the carried tail and ends in this chunk.</summary>
    private bool CrossesBoundary(byte[] pattern, ReadOnlySpan<byte> chunk)
    {
        int head = Math.Min(chunk.Length, pattern.Length - 1);
        var buffer = new byte[_carryLength + head];
        _carry.AsSpan(0, _carryLength).CopyTo(buffer);
        chunk[..head].CopyTo(buffer.AsSpan(_carryLength));
        return buffer.AsSpan().IndexOf(pattern) >= 0;
    }

    /// <summary>What the file fed since the last reset holds: "the repository password", "... (base64)", "a restic key file".</summary>
    public IReadOnlyList<string> Findings()
    {
        var findings = _patterns.Select(p => p.Kind).Where(_found.Contains).ToList();
        // the base64 form of the password only counts when the password itself is not there (it says the same)
        if (findings.Count == 2) findings.RemoveAt(1);
        if (_length <= MaxKeyFileSize && IsKeyFile(_head.GetBuffer().AsSpan(0, (int)_head.Length))) findings.Add("a restic key file");
        return findings;
    }

    /// <summary>The shape of restic's key file: {"kdf": "scrypt", ..., "salt": ..., "data": ...}.</summary>
    public static bool IsKeyFile(ReadOnlySpan<byte> content)
    {
        if (content.IndexOf("scrypt"u8) < 0) return false;
        try
        {
            using var doc = JsonDocument.Parse(content.ToArray());
            var root = doc.RootElement;
            return root.ValueKind == JsonValueKind.Object
                && root.TryGetProperty("kdf", out var kdf) && kdf.ValueKind == JsonValueKind.String && kdf.GetString() == "scrypt"
                && root.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.String
                && root.TryGetProperty("salt", out var salt) && salt.ValueKind == JsonValueKind.String;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
