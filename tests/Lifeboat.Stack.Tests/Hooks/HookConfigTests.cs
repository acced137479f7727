using Lifeboat.Stack.Configuration;

namespace Lifeboat.Stack.Tests.Hooks;

/// <summary>hooks: in lifeboat.yaml: every form a hook takes, and every mistake named with its line and a fix.</summary>
public class HookConfigTests
{
    private static StackConfig Parse(string yaml) => StackConfigParser.Parse(yaml, "lifeboat.yaml", "/etc/lifeboat", "this-host");

    private static string Refused(string yaml) => Assert.Throws<StackConfigException>(() => Parse(yaml)).Message;

    private static string WithHooks(string hooks) => $"""
        repository: /srv/repo
        apps:
          sonarr:
            paths: [/srv/sonarr]
        hooks:
        {hooks}
        """;

    [Fact]
    public void EveryFormOfAHookParsesGlobalAndPerApp()
    {
        var config = Parse("""
            repository: /srv/repo
            hooks:
              backup:
                before: pg_isready -h db --timeout=5
                after:
                  - [curl, -fsS, "https://hc.example/ping/a b"]
                  - ./scripts/notify.sh "backup done" 'it''s' \$HOME
                on-failure: {shell: "echo failed | logger", timeout: 30s}
                finally:
                  - command: [true]
                    timeout: 1h30m
                  - {command: "tar -czf /tmp/x.tgz /etc", shell: true}
              restore:
                before: [[systemctl, stop, thing]]
            apps:
              sonarr:
                paths: [/srv/sonarr]
                hooks:
                  backup:
                    before: ~
                    after: []
                  restore:
                    after: "docker restart sonarr"
            """);
        var backup = config.Hooks.Backup;
        var before = Assert.Single(backup.Before);
        Assert.Equal(["pg_isready", "-h", "db", "--timeout=5"], before.Command);
        Assert.Null(before.Shell);
        Assert.Equal(HookConfig.DefaultTimeout, before.Timeout);
        Assert.Equal(4, before.Line);
        Assert.Equal(["curl", "-fsS", "https://hc.example/ping/a b"], backup.After[0].Command);
        Assert.Equal(["./scripts/notify.sh", "backup done", "its", "$HOME"], backup.After[1].Command);
        var onFailure = Assert.Single(backup.OnFailure);
        Assert.Equal("echo failed | logger", onFailure.Shell);
        Assert.Null(onFailure.Command);
        Assert.Equal(TimeSpan.FromSeconds(30), onFailure.Timeout);
        Assert.Equal(["true"], backup.Finally[0].Command);
        Assert.Equal(TimeSpan.FromMinutes(90), backup.Finally[0].Timeout);
        Assert.Equal("tar -czf /tmp/x.tgz /etc", backup.Finally[1].Shell);
        Assert.Equal(["systemctl", "stop", "thing"], Assert.Single(config.Hooks.Restore.Before).Command);
        Assert.Empty(config.Hooks.Restore.After);

        var app = config.Apps[0].Hooks;
        Assert.Empty(app.Backup.Before);
        Assert.Empty(app.Backup.After);
        Assert.Equal(["docker", "restart", "sonarr"], Assert.Single(app.Restore.After).Command);
    }

    [Fact]
    public void WordsSplitAsAShellSplitsThem()
    {
        var hook = Assert.Single(Parse(WithHooks("""
              backup:
                before: prog 'a b'"c d"e\ f "x\"y" '' "" 'p|q' "r;s"
            """)).Hooks.Backup.Before);
        Assert.Equal(["prog", "a bc de f", "x\"y", "", "", "p|q", "r;s"], hook.Command);
    }

    [Fact]
    public void ShellFalseIsACommandAndItsShellSyntaxIsRefused()
    {
        var hook = Assert.Single(Parse(WithHooks("  backup: {before: {command: \"a 'b c'\", shell: false}}")).Hooks.Backup.Before);
        Assert.Equal(["a", "b c"], hook.Command);
        Assert.Null(hook.Shell);
        Assert.Contains("uses shell syntax (|)", Refused(WithHooks("  backup: {before: {command: \"a | b\", shell: false}}")));
    }

    [Fact]
    public void AppsWithoutHooksHaveNone()
    {
        var config = Parse("repository: /srv/repo\napps:\n  a:\n    paths: [/srv/a]\n");
        Assert.Same(HookSet.None, config.Hooks);
        Assert.Same(HookSet.None, config.Apps[0].Hooks);
    }

    [Theory]
    [InlineData("pg_dump x | gzip > /tmp/y", "|")]
    [InlineData("echo $HOME", "$")]
    [InlineData("echo \"$HOME\"", "$")]
    [InlineData("date > /tmp/now", ">")]
    [InlineData("a && b", "&")]
    [InlineData("a; b", ";")]
    [InlineData("echo `id`", "`")]
    public void ShellSyntaxInAPlainStringIsRefusedPointingToShell(string command, string syntax)
    {
        var yaml = WithHooks($"""
              backup:
                before:
                  - true
                  - '{command}'
            """);
        var message = Refused(yaml);
        Assert.StartsWith($"lifeboat.yaml:9: key \"hooks.backup.before\": \"{command}\" uses shell syntax ({syntax}), but a hook string runs without a shell; to run it with /bin/sh -c write it as a mapping: {{shell: ", message);
    }

    [Fact]
    public void ThePipelineOfTheDesignIsRefusedWithItsExactMessage()
    {
        Assert.Equal(
            "lifeboat.yaml:5: key \"apps.sonarr.hooks.backup.after\": \"pg_dump x | gzip > /tmp/y\" uses shell syntax (|), but a hook string runs without a shell; to run it with /bin/sh -c write it as a mapping: {shell: \"pg_dump x | gzip > /tmp/y\"}",
            Refused("""
                repository: /srv/repo
                apps:
                  sonarr:
                    paths: [/srv/sonarr]
                    hooks: {backup: {after: "pg_dump x | gzip > /tmp/y"}}
                """));
    }

    [Theory]
    [InlineData("backup: {before: true, during: true}", 6, "hooks.backup.during", "is not a known key; valid keys are before, after, on-failure, finally")]
    [InlineData("restore: {finally: true}", 6, "hooks.restore.finally", "is not a known key; valid keys are before, after; a restore has no on-failure or finally hooks")]
    [InlineData("check: {before: true}", 6, "hooks.check", "is not a known key; valid keys are backup, restore")]
    [InlineData("backup: {before: {command: true, timeot: 5m}}", 6, "hooks.backup.before.timeot", "is not a known key of a hook; valid keys are command, shell, timeout")]
    [InlineData("backup: {before: {command: true, timeout: 5}}", 6, "hooks.backup.before.timeout", "\"5\" is not valid; use a number with a unit h, m or s, more than zero, e.g. 30s, 5m or 1h30m")]
    [InlineData("backup: {before: {command: true, timeout: 0s}}", 6, "hooks.backup.before.timeout", "\"0s\" is not valid; use a number with a unit h, m or s, more than zero, e.g. 30s, 5m or 1h30m")]
    [InlineData("backup: {before: {timeout: 5m}}", 6, "hooks.backup.before", "a hook mapping needs command: (a list or a string) or shell: (a script for /bin/sh -c)")]
    [InlineData("backup: {before: {command: a, shell: \"b | c\"}}", 6, "hooks.backup.before.command", "give either command: or a shell: script, not both (or shell: true to run command: with /bin/sh -c)")]
    [InlineData("backup: {before: {command: [a, b], shell: true}}", 6, "hooks.backup.before.command", "with shell: true give the command as one string, the script /bin/sh -c runs")]
    [InlineData("backup: {before: [pg_isready, -h, db]}", 6, "hooks.backup.before", "\"-h\" would run as a command of its own: each item of this list is one hook; write a command with its arguments as one string (\"pg_isready -h db\") or as a nested list ([[pg_isready, -h, db]])")]
    [InlineData("backup: {before: [[]]}", 6, "hooks.backup.before", "the command is empty; its first word is the program to run")]
    [InlineData("backup: {before: \"  \"}", 6, "hooks.backup.before", "the command is empty; its first word is the program to run")]
    [InlineData("backup: {before: \"echo 'open\"}", 6, "hooks.backup.before", "\"echo 'open\" has an unclosed ' quote")]
    public void MistakesNameTheirLineKeyAndAFix(string hooks, int line, string key, string problem)
    {
        Assert.Equal($"lifeboat.yaml:{line}: key \"{key}\": {problem}", Refused(WithHooks("  " + hooks)));
    }

    [Fact]
    public void AnUnknownKeyOnItsOwnLineIsNamedThere()
    {
        Assert.Equal("lifeboat.yaml:8: key \"apps.sonarr.hooks.backup.before.timout\": is not a known key of a hook; valid keys are command, shell, timeout",
            Refused("""
                repository: /srv/repo
                apps:
                  sonarr:
                    paths: [/srv/sonarr]
                    hooks:
                      backup:
                        before:
                          timout: 30s
                          command: [true]
                """));
    }
}
