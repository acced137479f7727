using System.Security.Cryptography.X509Certificates;
using Lifeboat.Stack.Configuration;

namespace Lifeboat.Stack.Operations.Notifications;

/// <summary>Builds the channel for a notify: target, reading the private files it names.</summary>
public static class NotificationChannels
{
    /// <exception cref="StackException">A url-file, password-file or ca-file cannot be read, or others can read a private one.</exception>
    public static INotificationChannel Create(NotifyTarget target, HttpClient client)
    {
        if (target.Type == NotifyTargetType.Email)
        {
            var settings = target.Email!;
            var password = settings.PasswordFile is { } file ? FirstLine(PrivateFile.ReadAllText(file, "SMTP password file")) : null;
            return new EmailChannel(settings, target.Events, password, settings.CaFile is { } ca ? LoadCertificates(ca) : null);
        }
        var url = target.Url ?? FirstLine(PrivateFile.ReadAllText(target.UrlFile!, "url-file"));
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            throw new StackException($"url-file {target.UrlFile} does not hold an http:// or https:// URL");
        return target.Type switch
        {
            NotifyTargetType.Healthchecks => new HealthchecksChannel(url, target.Events, client),
            NotifyTargetType.Ntfy => new NtfyChannel(url, target.Events, client),
            _ => new WebhookChannel(url, target.Events, client),
        };
    }

    private static string FirstLine(string text) => text.Split('\n', 2)[0].Trim();

    private static X509Certificate2Collection LoadCertificates(string path)
    {
        var certificates = new X509Certificate2Collection();
        try
        {
            certificates.ImportFromPemFile(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
        {
            throw new StackException($"cannot read ca-file {path}: {e.Message}");
        }
        if (certificates.Count == 0) throw new StackException($"ca-file {path} holds no PEM certificate");
        return certificates;
    }
}
