using Lifeboat.Stack.Configuration;
using Lifeboat.Stack.Operations;
using Lifeboat.Stack.Operations.Notifications;
using Lifeboat.Stack.Verification;

namespace Lifeboat.Stack.Tests;

/// <summary>notify: in lifeboat.yaml (each mistake named by line and key), the secret scan, and exit codes as outcomes.</summary>
public class NotifyConfigTests
{
    private const string Head = """
        repository: /srv/backup/repo
        password-file: /etc/lifeboat/password
        apps:
          plex:
            paths: [/mnt/plexdata]
        notify:

        """;

    private static StackConfig Parse(string notify) => StackConfigParser.Parse(Head + notify, "lifeboat.yaml", "/etc/lifeboat", "this-host");

    private static string Refused(string notify) => Assert.Throws<StackConfigException>(() => Parse(notify)).Message;

    [Fact]
    public void EveryTypeParsesWithItsDefaults()
    {
        var config = Parse("""
              - type: healthchecks
                url: https://hc-ping.com/5f3c6d9e-0000-4000-8000-000000000000
              - type: ntfy
                url: https://ntfy.sh/lifeboat-media-vm
                events: [start, failure]
              - type: webhook
                url-file: secrets/webhook-url
                events: failure
              - type: email
                host: smtp.example.com
                from: lifeboat@example.com
                to: me@example.com
                username: lifeboat@example.com
                password-file: secrets/smtp-password
            """);
        Assert.Equal([NotifyTargetType.Healthchecks, NotifyTargetType.Ntfy, NotifyTargetType.Webhook, NotifyTargetType.Email], config.Notify.Select(t => t.Type));
        Assert.Equal(NotifyTarget.AllEvents, config.Notify[0].Events);
        Assert.Equal([NotifyEvent.Start, NotifyEvent.Failure], config.Notify[1].Events.Order());
        Assert.Equal("/etc/lifeboat/secrets/webhook-url", config.Notify[2].UrlFile);
        Assert.Equal([NotifyEvent.Failure], config.Notify[2].Events);
        var email = config.Notify[3];
        Assert.Equal([NotifyEvent.Warning, NotifyEvent.Failure], email.Events.Order());
        Assert.Equal((587, true, "/etc/lifeboat/secrets/smtp-password"), (email.Email!.Port, email.Email.StartTls, email.Email.PasswordFile));
        Assert.Equal(["me@example.com"], email.Email.To);
        Assert.Equal([7, 9, 12, 15], config.Notify.Select(t => t.Line));
    }

    [Fact]
    public void NoNotifyKeyMeansNoTargets() =>
        Assert.Empty(StackConfigParser.Parse("repository: /r\napps: { a: { paths: [/a] } }\n", "lifeboat.yaml", "/etc", "h").Notify);

    [Theory]
    [InlineData("  - type: pager\n    url: https://x\n", "lifeboat.yaml:7: key \"notify[0].type\": \"pager\" is not valid; use one of healthchecks, ntfy, webhook, email")]
    [InlineData("  - url: https://x\n", "lifeboat.yaml:7: key \"notify[0].type\": is missing")]
    [InlineData("  - type: ntfy\n", "lifeboat.yaml:7: key \"notify[0].url\": is missing; give the URL")]
    [InlineData("  - type: ntfy\n    url: ftp://x/y\n", "lifeboat.yaml:8: key \"notify[0].url\": is not an http:// or https:// URL")]
    [InlineData("  - type: ntfy\n    url: https://x/y\n    url-file: /f\n", "lifeboat.yaml:7: key \"notify[0].url-file\": use either url or url-file")]
    [InlineData("  - type: ntfy\n    url: https://x/y\n    events: [start, done]\n", "lifeboat.yaml:9: key \"notify[0].events\": \"done\" is not an event")]
    [InlineData("  - type: ntfy\n    url: https://x/y\n    host: smtp.example.com\n", "lifeboat.yaml:9: key \"notify[0].host\": is not a known key for a ntfy target")]
    [InlineData("  - type: email\n    host: smtp.example.com\n    from: a@example.com\n", "lifeboat.yaml:7: key \"notify[0].to\": is missing or empty")]
    [InlineData("  - type: email\n    host: h\n    from: a@example.com\n    to: [Me <me@example.com>]\n", "lifeboat.yaml:10: key \"notify[0].to\": \"Me <me@example.com>\" is not a mail address")]
    [InlineData("  - type: email\n    host: h\n    port: 70000\n", "lifeboat.yaml:9: key \"notify[0].port\": \"70000\" is not valid")]
    [InlineData("  - type: email\n    host: h\n    from: a@b.c\n    to: [d@e.f]\n    username: u\n", "lifeboat.yaml:7: key \"notify[0].password-file\": username and password-file go together")]
    [InlineData("  - type: email\n    host: h\n    from: a@b.c\n    to: [d@e.f]\n    starttls: false\n    username: u\n    password-file: /p\n", "lifeboat.yaml:11: key \"notify[0].starttls\": the SMTP password would cross the network in clear")]
    [InlineData("  type: ntfy\n", "lifeboat.yaml:7: key \"notify\": must be a list of targets")]
    public void MistakesNameTheLineAndKey(string notify, string expected) => Assert.StartsWith(expected, Refused(notify));

    [Theory]
    [InlineData("https://alice:hunter2@ntfy.example.com/backups")]
    [InlineData("https://:tk_abcdef@ntfy.example.com/backups")]
    [InlineData("https://ntfy.example.com/backups?auth=QmFzaWMgYWxpY2U6aHVudGVyMg")]
    public void AUrlWithAPasswordIsRefusedAndFlaggedWithoutEchoingIt(string url)
    {
        var analysis = StackConfigParser.Analyze(Head + $"  - type: ntfy\n    url: {url}\n", "lifeboat.yaml", "/etc/lifeboat", "h");
        var problem = Assert.Single(analysis.InlinePasswords);
        Assert.Equal(8, problem.Line);
        Assert.Contains("url-file", problem.Message);
        Assert.DoesNotContain(url, problem.Message);

        var finding = Assert.Single(ConfigSecretScan.Find(Head + $"  - type: ntfy\n    url: {url}\n", password: null));
        Assert.StartsWith("line 8: a URL with", finding);
    }

    [Fact]
    public void TheSecretScanLeavesPlainPingUrlsAndRepositoriesAlone() =>
        Assert.Empty(ConfigSecretScan.Find("repository: sftp://backup@host:22/srv/repo\nurl: https://hc-ping.com/5f3c6d9e?create=1\nurl: https://ntfy.sh/topic\n", null));

    [Fact]
    public void APasswordKeyInATargetIsRefused()
    {
        var analysis = StackConfigParser.Analyze(Head + "  - type: email\n    host: h\n    from: a@b.c\n    to: [d@e.f]\n    password: hunter2\n", "lifeboat.yaml", "/etc/lifeboat", "h");
        var problem = Assert.Single(analysis.InlinePasswords);
        Assert.Equal(11, problem.Line);
        Assert.DoesNotContain("hunter2", problem.Message);
    }

    [Theory]
    [InlineData(0, JobOutcome.Success)]
    [InlineData(2, JobOutcome.Warning)]
    [InlineData(3, JobOutcome.Warning)]
    [InlineData(1, JobOutcome.Failure)]
    [InlineData(11, JobOutcome.Failure)]
    [InlineData(130, JobOutcome.Failure)]
    public void AnExitCodeReadsAsAnOutcome(int exitCode, JobOutcome outcome)
    {
        var run = new JobRun(Guid.NewGuid(), JobKind.Backup, [], "cli", DateTimeOffset.Now);
        var result = RunOutcome.Result(run, exitCode, DateTimeOffset.Now, "tail");
        Assert.Equal((outcome, exitCode, "tail"), (result.Outcome, result.ExitCode, result.LogTail));
        Assert.StartsWith("backup ", result.Summary);
    }

    [Fact]
    public void AFailureSaysWhyWhenTheOutputHasAFatalLine()
    {
        var run = new JobRun(Guid.NewGuid(), JobKind.Check, [], "cli", DateTimeOffset.Now);
        Assert.Equal("check failed: repository /srv/r does not exist (exit code 10)",
            RunOutcome.Result(run, 10, DateTimeOffset.Now, "using /srv/r\nFatal: repository /srv/r does not exist\n").Summary);
        Assert.Equal("check failed (exit code 1)", RunOutcome.Result(run, 1, DateTimeOffset.Now, "no reason given").Summary);
    }

    [Fact]
    public void TheLogTailKeepsTheLastLinesAndOnlyTheLastStateOfAProgressLine()
    {
        var tail = new LogTailBuffer(maxLines: 3);
        tail.Append("one\ntwo\n");
        tail.Append("\r\u001b[K[0:01] 10% 5 files\r\u001b[K[0:02] 100% 50 files\r\u001b[K");
        tail.Append("three\nfour\nfive");
        Assert.Equal("three\nfour\nfive", tail.ToString());
    }

    [Fact]
    public void TheEndOfAFormerlyLongTextIsKeptWithinTheBudget()
    {
        var text = string.Concat(Enumerable.Repeat("äöü line\n", 1000)) + "the last line";
        var kept = LogTailText.Last(text, 1000);
        Assert.True(System.Text.Encoding.UTF8.GetByteCount(kept) <= 1000);
        Assert.StartsWith("[...]\näöü line\n", kept);
        Assert.EndsWith("the last line", kept);
    }
}
