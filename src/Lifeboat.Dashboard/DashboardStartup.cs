using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Lifeboat.Stack.Configuration;

namespace Lifeboat.Dashboard;

/// <summary>
/// The start-up rules, checked before anything listens: beyond loopback only with a password; the password file and the
/// certificate are read now, so a bad one is one line at start, not an error on the first request.
/// </summary>
public static class DashboardStartup
{
    /// <summary>The password hash and certificate for <paramref name="listen"/>, or a <see cref="DashboardException"/> saying why not.</summary>
    /// <param name="tlsCertificate">--tls-cert, which wins over dashboard.tls-cert.</param>
    /// <param name="tlsKey">--tls-key, which wins over dashboard.tls-key.</param>
    public static (PasswordHash? Password, X509Certificate2? Certificate) Prepare(StackConfig config, IPEndPoint listen, string? tlsCertificate = null, string? tlsKey = null)
    {
        var dashboard = config.Dashboard;
        var password = dashboard.PasswordFile is { } file ? PasswordHash.Load(file) : null;
        if (password is null && !IPAddress.IsLoopback(listen.Address))
            throw new DashboardException(RefusalWithoutPassword(listen, config.File));
        if ((tlsCertificate is null) != (tlsKey is null))
            throw new DashboardException("--tls-cert and --tls-key go together: give both (a PEM certificate and its key) or neither");
        var certificateFile = tlsCertificate ?? dashboard.TlsCertificate;
        var keyFile = tlsKey ?? dashboard.TlsKey;
        return (password, certificateFile is null ? null : LoadCertificate(certificateFile, keyFile!));
    }

    /// <summary>The one line that refuses to serve the dashboard beyond loopback without a password.</summary>
    public static string RefusalWithoutPassword(IPEndPoint listen, string configFile) =>
        $"refusing to serve the dashboard on {listen} without a password: anyone who reaches that address would see every backup; " +
        $"add dashboard: {{ password-file: FILE }} to {configFile} (make FILE with `lifeboat dashboard hash-password > FILE`), or listen on 127.0.0.1";

    private static X509Certificate2 LoadCertificate(string certificateFile, string keyFile)
    {
        try
        {
            return X509Certificate2.CreateFromPemFile(certificateFile, keyFile);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
        {
            throw new DashboardException($"cannot use the certificate {certificateFile} with the key {keyFile}: {e.Message}");
        }
    }
}
