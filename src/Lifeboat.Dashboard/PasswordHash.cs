using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Lifeboat.Dashboard;

/// <summary>
/// The dashboard password as it is kept on disk: "pbkdf2-sha256$ITERATIONS$SALT$HASH" (salt and hash in base64), made by
/// `lifeboat dashboard hash-password`. Only the hash is kept, so a copy of the file does not give the password away.
/// </summary>
public sealed class PasswordHash
{
    public const string Scheme = "pbkdf2-sha256";
    /// <summary>OWASP's 2023 advice for PBKDF2-HMAC-SHA256.</summary>
    public const int DefaultIterations = 600_000;
    private const int SaltBytes = 16, HashBytes = 32;

    private readonly int _iterations;
    private readonly byte[] _salt;
    private readonly byte[] _hash;

    private PasswordHash(int iterations, byte[] salt, byte[] hash)
    {
        _iterations = iterations;
        _salt = salt;
        _hash = hash;
    }

    /// <summary>A new hash of <paramref name="password"/> with a random salt, as the file's one line.</summary>
    public static string Create(string password, int iterations = DefaultIterations)
    {
        var salt = RandomNumberGenerator.GetBytes(SaltBytes);
        var hash = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA256, HashBytes);
        return $"{Scheme}${iterations.ToString(CultureInfo.InvariantCulture)}${Convert.ToBase64String(salt)}${Convert.ToBase64String(hash)}";
    }

    /// <summary>The hash in a password file's first line; null with the reason when the line is not one.</summary>
    public static PasswordHash? Parse(string line, out string? problem)
    {
        problem = null;
        var parts = line.Trim().Split('$');
        try
        {
            if (parts.Length == 4 && parts[0] == Scheme
                && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var iterations) && iterations >= 10_000)
            {
                var salt = Convert.FromBase64String(parts[2]);
                var hash = Convert.FromBase64String(parts[3]);
                if (salt.Length >= 8 && hash.Length == HashBytes) return new PasswordHash(iterations, salt, hash);
            }
        }
        catch (FormatException)
        {
        }
        problem = $"it does not hold a password hash ({Scheme}$...): make one with `lifeboat dashboard hash-password > FILE`";
        return null;
    }

    /// <summary>Reads the file named by dashboard.password-file; errors name the file.</summary>
    public static PasswordHash Load(string file)
    {
        string text;
        try
        {
            text = File.ReadAllText(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DashboardException($"cannot read the dashboard password file {file}: {e.Message}");
        }
        return Parse(text.Split('\n')[0], out var problem) ?? throw new DashboardException($"the dashboard password file {file}: {problem}");
    }

    /// <summary>True when <paramref name="password"/> is the one hashed; in constant time over the hash.</summary>
    public bool Matches(string password)
    {
        var candidate = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), _salt, _iterations, HashAlgorithmName.SHA256, _hash.Length);
        return CryptographicOperations.FixedTimeEquals(candidate, _hash);
    }
}
