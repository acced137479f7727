using System.Diagnostics;
using System.Text.Json;
using Lifeboat.Stack.Configuration;
using Lifeboat.Stack.Operations;
using Lifeboat.Stack.Operations.Notifications;
using Lifeboat.Stack.Verification;
using Lifeboat.TestSupport;

namespace Lifeboat.Stack.Tests;

/// <summary>
/// notify: targets from lifeboat.yaml to real receivers on loopback: healthchecks-style pings, ntfy, a webhook and a
/// real SMTP server with STARTTLS; deliveries retried, given up with one log line, never failing or holding up a job.
/// </summary>
public sealed class NotificationTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly NotificationReceiver _receiver = new();
    private readonly List<string> _log = [];

    private static readonly NotificationPolicy Quick = new()
    {
        Attempts = 3, AttemptTimeout = TimeSpan.FromSeconds(2), Backoff = TimeSpan.FromMilliseconds(50), StartWait = TimeSpan.FromSeconds(2),
    };

    private static readonly JobRun Run = new(Guid.NewGuid(), JobKind.Backup, ["plex"], "schedule", DateTimeOffset.Parse("2026-12-05T03:00:00+01:00"));

    private static StackConfig Parse(string notify) => StackConfigParser.Parse($"""
        repository: /srv/backup/repo
        password-file: /etc/lifeboat/password
        host: media-vm
        apps:
          plex:
            paths: [/mnt/plexdata]
        notify:
        {notify}
        """, "lifeboat.yaml", "/etc/lifeboat", "this-host");

    private NotificationDispatcher Dispatcher(string notify) =>
        NotificationDispatcher.FromConfig(Parse(notify), line => { lock (_log) _log.Add(line); }, Quick);

    private static JobResult Ended(JobOutcome outcome, int exitCode, string summary, string tail = "") =>
        new(Run, Run.StartedAt.AddSeconds(42.5), outcome, exitCode, summary, tail);

    private async Task SendAll(NotificationDispatcher dispatcher)
    {
        await dispatcher.JobStartedAsync(Run, CancellationToken.None);
        await dispatcher.JobFinishedAsync(Ended(JobOutcome.Success, 0, "backup succeeded", "snapshot 1a2b3c4d saved"), CancellationToken.None);
        await dispatcher.JobFinishedAsync(Ended(JobOutcome.Warning, 3, "backup finished, but some files could not be read", "error: open /mnt/plexdata/x: permission denied"), CancellationToken.None);
        await dispatcher.JobFinishedAsync(Ended(JobOutcome.Failure, 1, "backup failed (exit code 1)", "Fatal: repository is gone"), CancellationToken.None);
    }

    private string PrivateFile(string name, string content, UnixFileMode mode = UnixFileMode.UserRead | UnixFileMode.UserWrite)
    {
        var path = _temp.Combine(name);
        File.WriteAllText(path, content);
        File.SetUnixFileMode(path, mode);
        return path;
    }

    [Fact]
    public async Task HealthchecksGetsStartSuccessAndFailPingsWithTheLogTail()
    {
        using var dispatcher = Dispatcher($"  - {{ type: healthchecks, url: '{_receiver.Url("ping/0f1e2d3c")}' }}");
        await SendAll(dispatcher);
        var requests = _receiver.WaitFor(4);
        Assert.Equal(["/ping/0f1e2d3c/start", "/ping/0f1e2d3c", "/ping/0f1e2d3c/fail", "/ping/0f1e2d3c/fail"], requests.Select(r => r.Path));
        Assert.All(requests, r => Assert.Equal("POST", r.Method));
        Assert.All(requests, r => Assert.Equal($"?rid={Run.Id:D}", r.Query));
        Assert.Contains("snapshot 1a2b3c4d saved", requests[1].Body);
        Assert.StartsWith("WARNING: backup finished, but some files could not be read", requests[2].Body);
        Assert.Contains("permission denied", requests[2].Body);
        Assert.StartsWith("FAILURE: backup failed (exit code 1)", requests[3].Body);
        Assert.Contains("Fatal: repository is gone", requests[3].Body);
        Assert.Empty(_log);
    }

    [Fact]
    public async Task HealthchecksBodyIsCappedToItsLastLines()
    {
        using var dispatcher = Dispatcher($"  - {{ type: healthchecks, url: '{_receiver.Url("ping/x")}', events: [failure] }}");
        var tail = string.Join("\n", Enumerable.Range(0, 5000).Select(i => $"line {i} of a long log"));
        await dispatcher.JobFinishedAsync(Ended(JobOutcome.Failure, 1, "backup failed", tail), CancellationToken.None);
        var body = Assert.Single(_receiver.WaitFor(1)).Body;
        Assert.True(System.Text.Encoding.UTF8.GetByteCount(body) <= HealthchecksChannel.MaxBodyBytes, $"{body.Length} bytes");
        Assert.EndsWith("line 4999 of a long log", body);
    }

    [Fact]
    public async Task NtfyGetsTitlePriorityAndTagsByEvent()
    {
        using var dispatcher = Dispatcher($"  - {{ type: ntfy, url: '{_receiver.Url("lifeboat-media-vm")}', events: [start, success, warning, failure] }}");
        await SendAll(dispatcher);
        var requests = _receiver.WaitFor(4);
        Assert.All(requests, r => Assert.Equal(("POST", "/lifeboat-media-vm"), (r.Method, r.Path)));
        Assert.Equal(["min", "low", "default", "high"], requests.Select(r => r.Headers["Priority"]));
        Assert.Equal(["arrow_forward,backup", "white_check_mark,backup", "warning,backup", "rotating_light,backup"], requests.Select(r => r.Headers["Tags"]));
        Assert.Equal("lifeboat backup of plex on media-vm: started", requests[0].Headers["Title"]);
        Assert.Equal("lifeboat backup of plex on media-vm: warning", requests[2].Headers["Title"]);
        Assert.Equal("lifeboat backup of plex on media-vm: failure", requests[3].Headers["Title"]);
        Assert.StartsWith("backup failed (exit code 1)", requests[3].Body);
    }

    [Fact]
    public async Task WebhookGetsTheDocumentedJsonBody()
    {
        using var dispatcher = Dispatcher($"  - {{ type: webhook, url: '{_receiver.Url("hooks/lifeboat")}', events: [start, success, warning, failure] }}");
        await SendAll(dispatcher);
        var requests = _receiver.WaitFor(4);
        Assert.All(requests, r => Assert.StartsWith("application/json", r.Headers["Content-Type"]));
        var bodies = requests.Select(r => JsonDocument.Parse(r.Body).RootElement).ToList();
        Assert.Equal(["start", "success", "warning", "failure"], bodies.Select(b => b.GetProperty("event").GetString()));

        var start = bodies[0];
        Assert.Equal(JsonValueKind.Null, start.GetProperty("outcome").ValueKind);
        Assert.Equal(JsonValueKind.Null, start.GetProperty("exit_code").ValueKind);
        Assert.Equal(JsonValueKind.Null, start.GetProperty("finished").ValueKind);

        var warning = bodies[2];
        Assert.Equal("backup", warning.GetProperty("job").GetString());
        Assert.Equal(["plex"], warning.GetProperty("apps").EnumerateArray().Select(a => a.GetString()));
        Assert.Equal("schedule", warning.GetProperty("trigger").GetString());
        Assert.Equal(Run.Id.ToString("D"), warning.GetProperty("run_id").GetString());
        Assert.Equal("media-vm", warning.GetProperty("host").GetString());
        Assert.Equal("warning", warning.GetProperty("outcome").GetString());
        Assert.Equal(3, warning.GetProperty("exit_code").GetInt32());
        Assert.Equal(Run.StartedAt, warning.GetProperty("started").GetDateTimeOffset());
        Assert.Equal(Run.StartedAt.AddSeconds(42.5), warning.GetProperty("finished").GetDateTimeOffset());
        Assert.Equal(42.5, warning.GetProperty("duration_seconds").GetDouble());
        Assert.Equal("backup finished, but some files could not be read", warning.GetProperty("summary").GetString());
        Assert.Equal("error: open /mnt/plexdata/x: permission denied", warning.GetProperty("log_tail").GetString());
        Assert.Equal("failure", bodies[3].GetProperty("outcome").GetString());
    }

    [Fact]
    public async Task ATargetGetsOnlyTheEventsItWantsByDefaultWarningAndFailure()
    {
        using var dispatcher = Dispatcher($"""
              - type: webhook
                url: {_receiver.Url("default")}
              - type: webhook
                url: {_receiver.Url("starts")}
                events: [start]
            """);
        await SendAll(dispatcher);
        var requests = _receiver.WaitFor(3);
        Thread.Sleep(200);
        Assert.Equal(3, _receiver.Requests.Count);
        Assert.Equal(["start"], requests.Where(r => r.Path == "/starts").Select(r => JsonDocument.Parse(r.Body).RootElement.GetProperty("event").GetString()));
        Assert.Equal(["warning", "failure"], requests.Where(r => r.Path == "/default").Select(r => JsonDocument.Parse(r.Body).RootElement.GetProperty("event").GetString()));
    }

    [Fact]
    public async Task AServerErrorIsTriedAgainAndAClientErrorIsNot()
    {
        using var dispatcher = Dispatcher($"  - {{ type: webhook, url: '{_receiver.Url("hook")}' }}");
        _receiver.Answers.Enqueue(503);
        _receiver.Answers.Enqueue(502);
        await dispatcher.JobFinishedAsync(Ended(JobOutcome.Failure, 1, "failed"), CancellationToken.None);
        Assert.Equal(3, _receiver.Requests.Count);
        Assert.Empty(_log);

        _receiver.Answers.Enqueue(404);
        await dispatcher.JobFinishedAsync(Ended(JobOutcome.Failure, 1, "failed"), CancellationToken.None);
        Assert.Equal(4, _receiver.Requests.Count);
        var line = Assert.Single(_log);
        Assert.Contains($"webhook http://127.0.0.1:{_receiver.Port}", line);
        Assert.Contains("HTTP 404", line);
        Assert.DoesNotContain("/hook", line);
    }

    [Fact]
    public async Task AReceiverThatIsDownIsLoggedOncePerTargetAndHoldsTheJobUpBoundedly()
    {
        int closed = LoopbackPort.Free();
        using var dispatcher = Dispatcher($"""
              - {"{"} type: webhook, url: 'http://127.0.0.1:{closed}/secret-path', events: [start, failure] {"}"}
              - {"{"} type: ntfy, url: 'http://127.0.0.1:{closed}/secret-topic', events: [failure] {"}"}
              - {"{"} type: email, host: 127.0.0.1, port: {closed}, from: lifeboat@example.com, to: [me@example.com], events: [failure] {"}"}
            """);
        var clock = Stopwatch.StartNew();
        await dispatcher.JobStartedAsync(Run, CancellationToken.None);
        await dispatcher.JobFinishedAsync(Ended(JobOutcome.Failure, 1, "failed"), CancellationToken.None);
        Assert.True(clock.Elapsed < Quick.MaxDeliveryTime * 2 + TimeSpan.FromSeconds(2), clock.Elapsed.ToString());
        Assert.Equal(4, _log.Count); // the webhook's start and failure, the ntfy's and the email's failure: once each
        Assert.Equal(2, _log.Count(l => l.Contains($"webhook http://127.0.0.1:{closed} after 3 attempts")));
        Assert.Single(_log, l => l.Contains($"ntfy http://127.0.0.1:{closed} after 3 attempts"));
        Assert.Single(_log, l => l.Contains($"email 127.0.0.1:{closed} after 3 attempts"));
        Assert.All(_log, l => Assert.DoesNotContain("secret", l));
    }

    [Fact]
    public async Task AStartThatHangsHoldsTheJobUpOnlyForTheStartWait()
    {
        // a listener that accepts and never answers
        using var silent = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        silent.Start();
        int port = ((System.Net.IPEndPoint)silent.LocalEndpoint).Port;
        var policy = Quick with { AttemptTimeout = TimeSpan.FromSeconds(3), StartWait = TimeSpan.FromMilliseconds(300), Attempts = 1 };
        using var dispatcher = NotificationDispatcher.FromConfig(Parse($"  - {{ type: webhook, url: 'http://127.0.0.1:{port}/', events: [start, success] }}"), _log.Add, policy);
        var clock = Stopwatch.StartNew();
        await dispatcher.JobStartedAsync(Run, CancellationToken.None);
        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(2));
        await dispatcher.JobFinishedAsync(Ended(JobOutcome.Success, 0, "ok"), CancellationToken.None);
        Assert.Equal(2, _log.Count);
        Assert.Contains("could not send the start", _log[0]);
        Assert.Contains("no answer within 3 s", _log[0]);
    }

    [Fact]
    public async Task TheFailureMailArrivesOverStartTlsWithThePasswordFromItsFile()
    {
        using var smtp = new SmtpTestServer("lifeboat", "s3cret-smtp");
        var passwordFile = PrivateFile("smtp-password", "s3cret-smtp\n");
        using var dispatcher = Dispatcher($"""
              - type: email
                host: 127.0.0.1
                port: {smtp.Port}
                from: lifeboat@media-vm.example
                to: [owner@example.com, second@example.com]
                username: lifeboat
                password-file: {passwordFile}
                ca-file: {smtp.CertificateFile}
            """);
        await dispatcher.JobStartedAsync(Run, CancellationToken.None);
        await dispatcher.JobFinishedAsync(Ended(JobOutcome.Success, 0, "backup succeeded"), CancellationToken.None);
        await dispatcher.JobFinishedAsync(Ended(JobOutcome.Failure, 1, "backup failed (exit code 1)", "Fatal: repository /srv/backup/repo does not exist"), CancellationToken.None);
        Assert.Empty(_log);
        var mail = Assert.Single(smtp.WaitForMail(1));
        Assert.Contains("X-TLS: True", mail);
        Assert.Contains("X-Auth-Login: lifeboat", mail);
        Assert.Contains("X-Envelope-From: lifeboat@media-vm.example", mail);
        Assert.Contains("X-Envelope-To: owner@example.com,second@example.com", mail);
        Assert.Contains("Subject: [lifeboat] FAILURE: backup of plex on media-vm", mail);
        Assert.Contains("backup failed (exit code 1)", mail);
        Assert.Contains("Fatal: repository /srv/backup/repo does not exist", mail);
        Assert.Contains("outcome:  failure (exit code 1)", mail);
    }

    [Fact]
    public async Task AWrongSmtpPasswordIsLoggedOnceAndNotRetried()
    {
        using var smtp = new SmtpTestServer("lifeboat", "right");
        var passwordFile = PrivateFile("smtp-password", "wrong\n");
        using var dispatcher = NotificationDispatcher.FromConfig(Parse($"  - {{ type: email, host: 127.0.0.1, port: {smtp.Port}, from: a@example.com, to: [b@example.com], username: lifeboat, password-file: {passwordFile}, ca-file: {smtp.CertificateFile} }}"), _log.Add, Quick);
        await dispatcher.JobFinishedAsync(Ended(JobOutcome.Failure, 1, "failed"), CancellationToken.None);
        var line = Assert.Single(_log);
        Assert.True(line.Contains($"email 127.0.0.1:{smtp.Port} on attempt 1"), line);
        Assert.DoesNotContain("wrong", line);
        Assert.Empty(smtp.WaitForMail(1, seconds: 1));
    }

    [Fact]
    public async Task AnUntrustedCertificateIsRefused()
    {
        using var smtp = new SmtpTestServer("lifeboat", "pw");
        var passwordFile = PrivateFile("smtp-password", "pw\n");
        using var dispatcher = Dispatcher($"  - {{ type: email, host: 127.0.0.1, port: {smtp.Port}, from: a@example.com, to: [b@example.com], username: lifeboat, password-file: {passwordFile} }}");
        await dispatcher.JobFinishedAsync(Ended(JobOutcome.Failure, 1, "failed"), CancellationToken.None);
        Assert.Single(_log);
        Assert.Empty(smtp.WaitForMail(1, seconds: 1));
    }

    [Fact]
    public async Task TheUrlCanComeFromAPrivateFileAndAFileOthersCanReadIsLeftOut()
    {
        var good = PrivateFile("hc-url", _receiver.Url("ping/from-file") + "\n");
        var open = PrivateFile("open-url", _receiver.Url("ping/open") + "\n", UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);
        using var dispatcher = Dispatcher($"""
              - {"{"} type: healthchecks, url-file: {good} {"}"}
              - {"{"} type: healthchecks, url-file: {open} {"}"}
            """);
        Assert.Single(dispatcher.Channels);
        var line = Assert.Single(_log);
        Assert.True(line.Contains("line 9 is left out"), line);
        Assert.Contains($"url-file {open} can be read by others (mode 0604): run chmod 600", line);
        await dispatcher.JobStartedAsync(Run, CancellationToken.None);
        Assert.Equal("/ping/from-file/start", Assert.Single(_receiver.WaitFor(1)).Path);
    }

    [Fact]
    public async Task CredentialsInAUrlFileBecomeBasicAuthentication()
    {
        var file = PrivateFile("ntfy-url", $"http://alice:pa%3Ass@127.0.0.1:{_receiver.Port}/topic\n");
        using var dispatcher = Dispatcher($"  - {{ type: ntfy, url-file: {file}, events: [failure] }}");
        await dispatcher.JobFinishedAsync(Ended(JobOutcome.Failure, 1, "failed"), CancellationToken.None);
        var request = Assert.Single(_receiver.WaitFor(1));
        Assert.Equal("/topic", request.Path);
        Assert.Equal("Basic " + Convert.ToBase64String("alice:pa:ss"u8.ToArray()), request.Headers["Authorization"]);
        Assert.Equal("ntfy http://127.0.0.1:" + _receiver.Port, dispatcher.Channels[0].Description);
    }

    public void Dispose()
    {
        _receiver.Dispose();
        _temp.Dispose();
    }
}
