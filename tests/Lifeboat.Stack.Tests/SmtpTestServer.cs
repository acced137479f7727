using System.Diagnostics;
using Lifeboat.TestSupport;

namespace Lifeboat.Stack.Tests;

/// <summary>
/// A real SMTP server on 127.0.0.1: Debian's aiosmtpd (python3-aiosmtpd) with STARTTLS required, a throwaway
/// self-signed certificate (for 127.0.0.1) and AUTH checked against one username and password, writing each message
/// it accepts into <see cref="MailDirectory"/> as a file with the envelope in front. Stopped by its PID.
/// </summary>
public sealed class SmtpTestServer : IDisposable
{
    private const string Script = """
        import os, ssl, sys, time
        from aiosmtpd.controller import Controller
        from aiosmtpd.smtp import AuthResult, LoginPassword
        port, cert, key, outdir, user, password = sys.argv[1:7]
        class Handler:
            async def handle_DATA(self, server, session, envelope):
                name = os.path.join(outdir, "%d.eml" % time.time_ns())
                login = session.auth_data.login.decode() if isinstance(session.auth_data, LoginPassword) else ""
                with open(name + ".tmp", "wb") as f:
                    f.write(("X-Envelope-From: %s\nX-Envelope-To: %s\nX-Auth-Login: %s\nX-TLS: %s\n" % (envelope.mail_from, ",".join(envelope.rcpt_tos), login, session.ssl is not None)).encode())
                    f.write(envelope.original_content)
                os.rename(name + ".tmp", name)
                return "250 OK"
        def authenticate(server, session, envelope, mechanism, data):
            return AuthResult(success=isinstance(data, LoginPassword) and data.login == user.encode() and data.password == password.encode(), handled=False, auth_data=data)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert, key)
        controller = Controller(Handler(), hostname="127.0.0.1", port=int(port), tls_context=context, require_starttls=True,
                                authenticator=authenticate, auth_require_tls=True)
        controller.start()
        print("ready", flush=True)
        while True:
            time.sleep(3600)
        """;

    private readonly TempDirectory _temp = new("lifeboat-smtp");
    private readonly Process _process;

    public SmtpTestServer(string user, string password)
    {
        Port = LoopbackPort.Free();
        MailDirectory = _temp.Combine("mail");
        Directory.CreateDirectory(MailDirectory);
        CertificateFile = _temp.Combine("cert.pem");
        var key = _temp.Combine("key.pem");
        var openssl = ProcessRunner.Run("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
            "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key, "-out", CertificateFile]);
        Assert.True(openssl.Succeeded, openssl.Stderr);
        var script = _temp.Combine("smtpd.py");
        File.WriteAllText(script, Script);
        var start = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { script, Port.ToString(), CertificateFile, key, MailDirectory, user, password }) start.ArgumentList.Add(arg);
        _process = Process.Start(start)!;
        var ready = _process.StandardOutput.ReadLineAsync();
        if (!ready.Wait(TimeSpan.FromSeconds(20)) || ready.Result != "ready")
        {
            Dispose();
            Assert.Fail("aiosmtpd did not start (is python3-aiosmtpd installed? tools/setup-test-machine installs it)");
        }
    }

    public int Port { get; }

    public string MailDirectory { get; }

    /// <summary>The server's self-signed certificate (PEM): what an email target's ca-file names.</summary>
    public string CertificateFile { get; }

    /// <summary>The messages received so far, oldest first, waiting up to <paramref name="seconds"/> for <paramref name="count"/>.</summary>
    public IReadOnlyList<string> WaitForMail(int count, int seconds = 20)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        string[] files;
        while ((files = Directory.GetFiles(MailDirectory, "*.eml")).Length < count && DateTime.UtcNow < deadline) Thread.Sleep(50);
        return files.Order(StringComparer.Ordinal).Select(File.ReadAllText).ToList();
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                _process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
        }
        _process.Dispose();
        _temp.Dispose();
    }
}
