using System.Security.Cryptography;

namespace Lifeboat.Stack.Configuration;

/// <summary>The repository password file that `init` writes when the config names one that does not exist yet.</summary>
public static class PasswordFile
{
    private const UnixFileMode OwnerOnlyFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode OwnerOnlyDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>
    /// A new random password (32 bytes, base64) written to <paramref name="path"/>, mode 0600 whatever the umask, and
    /// returned. Atomically: a private temporary file beside it, synced, then renamed into place, never over an existing
    /// file. Throws IOException or UnauthorizedAccessException when it cannot be written; nothing is left behind then.
    /// </summary>
    public static string CreateRandom(string path)
    {
        var password = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var directory = Path.GetDirectoryName(path) ?? "/";
        if (!Directory.Exists(directory)) Directory.CreateDirectory(directory, OwnerOnlyDirectory);
        var temporary = Path.Combine(directory, $".{Path.GetFileName(path)}.{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6))}.tmp");
        try
        {
            using (var stream = new FileStream(temporary, new FileStreamOptions
                   {
                       Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = OwnerOnlyFile,
                   }))
            {
                stream.Write(System.Text.Encoding.ASCII.GetBytes(password + "\n"));
                stream.Flush(flushToDisk: true);
            }
            File.SetUnixFileMode(temporary, OwnerOnlyFile); // whatever the umask
            File.Move(temporary, path, overwrite: false);
        }
        finally
        {
            if (File.Exists(temporary)) File.Delete(temporary);
        }
        return password;
    }
}
