using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Lifeboat.Engine.Crypto;
using Lifeboat.Engine.Model;

namespace Lifeboat.Engine.Repository;

/// <summary>
/// A key file: plain JSON holding scrypt parameters and the master key sealed with the key derived from a password.
/// Its name is the SHA-256 of its exact bytes.
/// </summary>
public sealed class KeyFile
{
    public const int SaltLength = 64;

    public required string Created { get; init; }
    public string? Username { get; init; }
    public string? Hostname { get; init; }
    public required string Kdf { get; init; }
    public required int N { get; init; }
    public required int R { get; init; }
    public required int P { get; init; }
    public required byte[] Salt { get; init; }
    public required byte[] Data { get; init; }

    /// <summary>Seals <paramref name="masterKey"/> under a new key derived from the password with fresh salt.</summary>
    public static KeyFile Create(CryptoKey masterKey, string password, (int N, int R, int P) parameters, string? username, string? hostname)
    {
        var salt = RandomNumberGenerator.GetBytes(SaltLength);
        var userKey = KeyDerivation.DeriveUserKey(Encoding.UTF8.GetBytes(password), salt, parameters.N, parameters.R, parameters.P);
        return new KeyFile
        {
            Created = GoTime.Now().ToString(),
            Username = username,
            Hostname = hostname,
            Kdf = "scrypt",
            N = parameters.N,
            R = parameters.R,
            P = parameters.P,
            Salt = salt,
            Data = userKey.Seal(MasterKeyJson(masterKey)),
        };
    }

    /// <summary>Opens the master key with the password; null when the password does not fit this key.</summary>
    public CryptoKey? TryOpen(string password)
    {
        if (!Kdf.Equals("scrypt", StringComparison.Ordinal))
            throw new RepositoryException(RepositoryErrorKind.Fatal, $"key uses KDF \"{Kdf}\": the only supported KDF is scrypt");
        if (Salt.Length != SaltLength)
            throw new RepositoryException(RepositoryErrorKind.Damaged, $"key has a salt of {Salt.Length} bytes, want {SaltLength}");
        CryptoKey userKey;
        try
        {
            userKey = KeyDerivation.DeriveUserKey(Encoding.UTF8.GetBytes(password), Salt, N, R, P);
        }
        catch (ArgumentException e)
        {
            throw new RepositoryException(RepositoryErrorKind.Damaged, $"key has invalid scrypt parameters: {e.Message}");
        }
        byte[] plain;
        try
        {
            plain = userKey.Open(Data);
        }
        catch (CryptoAuthenticationException)
        {
            return null;
        }
        return ParseMasterKey(plain);
    }

    public static byte[] MasterKeyJson(CryptoKey key)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteStartObject("mac");
            w.WriteBase64String("k", key.MacK);
            w.WriteBase64String("r", key.MacR);
            w.WriteEndObject();
            w.WriteBase64String("encrypt", key.EncryptionKey);
            w.WriteEndObject();
        }
        return buffer.ToArray();
    }

    /// <summary>The master key JSON sealed in a key file: what a hostile key file holds once opened.</summary>
    internal static CryptoKey ParseMasterKey(byte[] json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            var root = doc.RootElement;
            var mac = Property(root, "mac");
            var key = new CryptoKey(Property(root, "encrypt").GetBytesFromBase64(), Property(mac, "k").GetBytesFromBase64(), Property(mac, "r").GetBytesFromBase64());
            if (!key.IsValid) throw new RepositoryException(RepositoryErrorKind.Damaged, "master key in key file is invalid (all zero)");
            return key;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException or KeyNotFoundException or ArgumentException)
        {
            throw new RepositoryException(RepositoryErrorKind.Damaged, $"master key in key file cannot be decoded: {e.Message}");
        }
    }

    /// <summary>Go's JSON decoding matches keys case-insensitively.</summary>
    internal static JsonElement Property(JsonElement obj, string name)
    {
        foreach (var p in obj.EnumerateObject())
            if (p.Name.Equals(name, StringComparison.OrdinalIgnoreCase)) return p.Value;
        throw new KeyNotFoundException($"missing field \"{name}\"");
    }

    internal static bool TryProperty(JsonElement obj, string name, out JsonElement value)
    {
        foreach (var p in obj.EnumerateObject())
            if (p.Name.Equals(name, StringComparison.OrdinalIgnoreCase)) { value = p.Value; return true; }
        value = default;
        return false;
    }

    public byte[] ToJson()
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteString("created", Created);
            w.WriteString("username", Username ?? "");
            w.WriteString("hostname", Hostname ?? "");
            w.WriteString("kdf", Kdf);
            w.WriteNumber("N", N);
            w.WriteNumber("r", R);
            w.WriteNumber("p", P);
            w.WriteBase64String("salt", Salt);
            w.WriteBase64String("data", Data);
            w.WriteEndObject();
        }
        return buffer.ToArray();
    }

    public static KeyFile Parse(ReadOnlySpan<byte> json, string name)
    {
        try
        {
            using var doc = JsonDocument.Parse(json.ToArray());
            var root = doc.RootElement;
            string? Str(string field) => TryProperty(root, field, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
            // Go matches "N" and "n" alike; restic writes "N".
            return new KeyFile
            {
                Created = Str("created") ?? "",
                Username = Str("username"),
                Hostname = Str("hostname"),
                Kdf = Str("kdf") ?? "",
                N = Property(root, "N").GetInt32(),
                R = Property(root, "r").GetInt32(),
                P = Property(root, "p").GetInt32(),
                Salt = Property(root, "salt").GetBytesFromBase64(),
                Data = Property(root, "data").GetBytesFromBase64(),
            };
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException or KeyNotFoundException)
        {
            throw new RepositoryException(RepositoryErrorKind.Damaged, $"key {name} cannot be read: {e.Message}");
        }
    }
}
