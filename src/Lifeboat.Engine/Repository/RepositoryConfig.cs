using System.Security.Cryptography;
using System.Text.Json;
using Lifeboat.Engine.Chunking;

namespace Lifeboat.Engine.Repository;

/// <summary>The repository's config file: format version, repository ID and the chunker polynomial.</summary>
public sealed record RepositoryConfig(int Version, string Id, Polynomial ChunkerPolynomial)
{
    public const int MinVersion = 1;
    public const int MaxVersion = 2;

    public static RepositoryConfig New(int version, Polynomial? polynomial = null) =>
        new(version, Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)), polynomial ?? Polynomial.Random());

    /// <summary>Compact JSON in restic's field order.</summary>
    public byte[] ToJson()
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteNumber("version", Version);
            w.WriteString("id", Id);
            w.WriteString("chunker_polynomial", ChunkerPolynomial.ToString());
            w.WriteEndObject();
        }
        return buffer.ToArray();
    }

    public static RepositoryConfig Parse(ReadOnlySpan<byte> json)
    {
        int? version = null;
        string? id = null;
        string? polynomial = null;
        try
        {
            using var doc = JsonDocument.Parse(json.ToArray());
            foreach (var p in doc.RootElement.EnumerateObject())
            {
                if (p.NameEquals("version") || p.Name.Equals("version", StringComparison.OrdinalIgnoreCase)) version = p.Value.GetInt32();
                else if (p.Name.Equals("id", StringComparison.OrdinalIgnoreCase)) id = p.Value.GetString();
                else if (p.Name.Equals("chunker_polynomial", StringComparison.OrdinalIgnoreCase)) polynomial = p.Value.GetString();
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            // without this, a config that is not the JSON object restic writes reached the user as an unexpected error
            throw new RepositoryException(RepositoryErrorKind.Damaged, $"config cannot be decoded: {e.Message}");
        }
        if (version is null || id is null || polynomial is null)
            throw new RepositoryException(RepositoryErrorKind.Damaged, "config is incomplete: it needs version, id and chunker_polynomial");
        if (version < MinVersion || version > MaxVersion)
            throw new RepositoryException(RepositoryErrorKind.Fatal, $"unsupported repository version {version}: this Lifeboat reads versions {MinVersion} to {MaxVersion}");
        Polynomial pol;
        try
        {
            pol = Polynomial.Parse(polynomial);
        }
        catch (FormatException e)
        {
            throw new RepositoryException(RepositoryErrorKind.Damaged, $"config cannot be decoded: {e.Message}");
        }
        if (!pol.IsIrreducible())
            throw new RepositoryException(RepositoryErrorKind.Damaged, $"config holds a chunker polynomial {polynomial} that is not irreducible");
        return new RepositoryConfig(version.Value, id, pol);
    }
}
