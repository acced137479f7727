using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Lifeboat.Stack.Configuration;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace Lifeboat.Stack.Operations.Notifications;

/// <summary>
/// A mail over SMTP (MailKit): STARTTLS unless switched off (a server that does not offer it is refused, never
/// fallen back from), then AUTH with the username and the password from its file, read when the target is built.
/// The subject says the event, the job and the host; the body the summary, the run's facts and the log tail.
/// </summary>
public sealed class EmailChannel(EmailSettings settings, IReadOnlySet<NotifyEvent> events, string? password, X509Certificate2Collection? trusted)
    : INotificationChannel
{
    public const int MaxLogTailBytes = 32 * 1024;

    public string Description { get; } = $"email {settings.Host}:{settings.Port}";

    public IReadOnlySet<NotifyEvent> Events { get; } = events;

    /// <summary>The message for one event.</summary>
    public MimeMessage Compose(JobNotification n)
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(settings.From));
        foreach (var to in settings.To) message.To.Add(MailboxAddress.Parse(to));
        message.Subject = $"[lifeboat] {n.EventName.ToUpperInvariant()}: {n.JobTitle} on {n.Host}";
        var lines = new List<string> { n.Summary, "", $"job:      {n.JobTitle}", $"host:     {n.Host}", $"trigger:  {n.Run.Trigger}", $"started:  {n.Run.StartedAt:yyyy-MM-dd HH:mm:ss zzz}" };
        if (n.Result is { } r)
        {
            lines.Add($"finished: {r.FinishedAt:yyyy-MM-dd HH:mm:ss zzz} ({r.Duration.TotalSeconds:0.#} s)");
            lines.Add($"outcome:  {n.EventName} (exit code {r.ExitCode})");
        }
        if (n.LogTail.Length > 0)
        {
            lines.Add("");
            lines.Add("The last lines of the log:");
            lines.Add("");
            lines.Add(LogTailText.Last(n.LogTail.TrimEnd(), MaxLogTailBytes));
        }
        message.Body = new TextPart("plain") { Text = string.Join("\n", lines) + "\n" };
        return message;
    }

    public async Task SendAsync(JobNotification notification, CancellationToken cancellationToken)
    {
        var message = Compose(notification);
        using var client = new SmtpClient();
        if (trusted is { Count: > 0 }) client.ServerCertificateValidationCallback = ValidateWithTrusted;
        try
        {
            await client.ConnectAsync(settings.Host, settings.Port, settings.StartTls ? SecureSocketOptions.StartTls : SecureSocketOptions.None, cancellationToken).ConfigureAwait(false);
            if (settings.Username is { } user)
                await client.AuthenticateAsync(user, password ?? "", cancellationToken).ConfigureAwait(false);
            await client.SendAsync(message, cancellationToken).ConfigureAwait(false);
            await client.DisconnectAsync(quit: true, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is AuthenticationException or SmtpCommandException { StatusCode: >= (SmtpStatusCode)500 } or NotSupportedException)
        {
            // a wrong password, a refused address or a server without STARTTLS: the same again will not help
            throw new NotificationRejectedException(e.Message);
        }
    }

    /// <summary>The system's trust, or else a chain to one of the ca-file's certificates.</summary>
    private bool ValidateWithTrusted(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (errors == SslPolicyErrors.None) return true;
        if (certificate is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != 0) return false;
        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.CustomTrustStore.AddRange(trusted!);
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        // the intermediates the server sent
        if (chain is not null)
            foreach (var element in chain.ChainElements) custom.ChainPolicy.ExtraStore.Add(element.Certificate);
        if (certificate is X509Certificate2 leaf) return custom.Build(leaf);
        using var loaded = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        return custom.Build(loaded);
    }
}
