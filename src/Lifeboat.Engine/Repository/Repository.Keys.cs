using Lifeboat.Engine.Crypto;
using Lifeboat.Engine.Storage;

namespace Lifeboat.Engine.Repository;

/// <summary>Key management: every key file seals the same master key under a different password (and salt).</summary>
public sealed partial class Repository
{
    /// <summary>Every key file that can be parsed, by name (its ID).</summary>
    public async Task<List<(string Name, KeyFile Key)>> ListKeysAsync(CancellationToken cancellationToken)
    {
        var result = new List<(string, KeyFile)>();
        await foreach (var f in Backend.ListAsync(FileType.Key, cancellationToken).ConfigureAwait(false))
        {
            var json = await Backend.ReadAllAsync(FileType.Key, f.Name, cancellationToken).ConfigureAwait(false);
            result.Add((f.Name, KeyFile.Parse(json, f.Name)));
        }
        result.Sort((a, b) => StringComparer.Ordinal.Compare(a.Item1, b.Item1));
        return result;
    }

    /// <summary>Writes a new key file for <paramref name="password"/> (fresh salt, same master key); returns its name.</summary>
    public async Task<string> AddKeyAsync(string password, string? username, string? hostname, (int N, int R, int P)? kdfParameters, CancellationToken cancellationToken)
    {
        var parameters = kdfParameters ?? KeyDerivation.Calibrate(TimeSpan.FromMilliseconds(500), 60L << 20);
        var keyFile = KeyFile.Create(Key, password, parameters, username, hostname);
        var json = keyFile.ToJson();
        var name = Id.Hash(json).ToString();
        await Backend.SaveAsync(FileType.Key, name, json, cancellationToken).ConfigureAwait(false);
        return name;
    }

    /// <summary>Removes a key file by full name; the caller resolves prefixes and refuses the key in use.</summary>
    public Task RemoveKeyAsync(string name, CancellationToken cancellationToken) =>
        Backend.DeleteAsync(FileType.Key, name, cancellationToken);
}
