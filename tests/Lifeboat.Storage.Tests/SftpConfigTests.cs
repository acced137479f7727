using Lifeboat.Engine.Storage;
using Lifeboat.Engine.Storage.Sftp;

namespace Lifeboat.Storage.Tests;

/// <summary>Every location form restic 0.14 reads (its config_test.go cases and more), the shell splitting of sftp.command / sftp.args, and the ssh command line.</summary>
public sealed class SftpConfigTests
{
    [Theory]
    // sftp://user@host[:port]/path: the path after the host's slash; a second slash makes it absolute
    [InlineData("sftp://user@host/dir/subdir", "user", "host", "", "dir/subdir")]
    [InlineData("sftp://host/dir/subdir", "", "host", "", "dir/subdir")]
    [InlineData("sftp://host//dir/subdir", "", "host", "", "/dir/subdir")]
    [InlineData("sftp://host:10022//dir/subdir", "", "host", "10022", "/dir/subdir")]
    [InlineData("sftp://user@host:10022//dir/subdir", "user", "host", "10022", "/dir/subdir")]
    [InlineData("sftp://user@host/dir/subdir/../other", "user", "host", "", "dir/other")]
    [InlineData("sftp://user@host/dir///subdir", "user", "host", "", "dir/subdir")]
    [InlineData("sftp://user@[::1]/dir", "user", "::1", "", "dir")]
    [InlineData("sftp://user@[::1]:22/dir", "user", "::1", "22", "dir")]
    [InlineData("sftp://us%40er@host/dir", "us@er", "host", "", "dir")]
    [InlineData("sftp://host/", "", "host", "", ".")]
    // sftp:[user@]host:path, split at the first colon; a user may hold one '@'
    [InlineData("sftp:user@host:/dir/subdir", "user", "host", "", "/dir/subdir")]
    [InlineData("sftp:user@domain@host:/dir/subdir", "user@domain", "host", "", "/dir/subdir")]
    [InlineData("sftp:host:../dir/subdir", "", "host", "", "../dir/subdir")]
    [InlineData("sftp:user@host:dir/subdir:suffix", "user", "host", "", "dir/subdir:suffix")]
    [InlineData("sftp:user@host:dir/subdir/../other", "user", "host", "", "dir/other")]
    [InlineData("sftp:user@host:dir///subdir", "user", "host", "", "dir/subdir")]
    [InlineData("sftp:backup-box:repos/app", "", "backup-box", "", "repos/app")]
    [InlineData("sftp:backup-box:", "", "backup-box", "", ".")]
    [InlineData("sftp:host:/", "", "host", "", "/")]
    [InlineData("sftp:host:/a/./b/", "", "host", "", "/a/b")]
    [InlineData("sftp:host:/../x", "", "host", "", "/x")]
    public void Locations_parse_as_restic_reads_them(string location, string user, string host, string port, string path)
    {
        var config = SftpConfig.Parse(location);
        Assert.Equal(new SftpConfig(user, host, port, path), config);
    }

    [Theory]
    [InlineData("sftp:host", "sftp: invalid format, hostname or path not found")]
    [InlineData("sftp:user@host", "sftp: invalid format, hostname or path not found")]
    [InlineData("sftp://host", "invalid backend \"sftp://host\", no directory specified")]
    [InlineData("sftp://user@host", "invalid backend \"sftp://user@host\", no directory specified")]
    [InlineData("sftp:host:~/repo", SftpConfig.TildeError)]
    [InlineData("sftp://host/~/repo", SftpConfig.TildeError)]
    [InlineData("sftp:host:~", SftpConfig.TildeError)]
    [InlineData("local:/x", "invalid format, does not start with \"sftp:\"")]
    public void Invalid_locations_fail_with_restics_message_in_one_line(string location, string message)
    {
        var e = Assert.Throws<BackendException>(() => SftpConfig.Parse(location));
        Assert.Equal(BackendErrorKind.Permanent, e.Kind);
        Assert.Equal(message, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void A_port_that_is_not_a_number_is_refused()
    {
        // restic's configTestsInvalid: Go's url.Parse refuses it.
        var e = Assert.Throws<BackendException>(() => SftpConfig.Parse("sftp://host:dir"));
        Assert.Contains("invalid port", e.Message);
    }

    [Theory]
    [InlineData("foo", new[] { "foo" })]
    [InlineData("'foo'", new[] { "foo" })]
    [InlineData("foo bar baz", new[] { "foo", "bar", "baz" })]
    [InlineData("foo 'bar' baz", new[] { "foo", "bar", "baz" })]
    [InlineData("'bar box' baz", new[] { "bar box", "baz" })]
    [InlineData("\"bar 'box'\" baz", new[] { "bar 'box'", "baz" })]
    [InlineData("'bar \"box\"' baz", new[] { "bar \"box\"", "baz" })]
    [InlineData("\\\"bar box baz", new[] { "\"bar", "box", "baz" })]
    [InlineData("\"bar/foo/x\" \"box baz\"", new[] { "bar/foo/x", "box baz" })]
    [InlineData("ssh -F '/tmp/my dir/ssh_config'  host -s sftp", new[] { "ssh", "-F", "/tmp/my dir/ssh_config", "host", "-s", "sftp" })]
    [InlineData("  ssh\thost  ", new[] { "ssh", "host" })]
    public void Commands_split_like_restic(string command, string[] words)
    {
        Assert.Equal(words, ShellSplitter.Split(command));
    }

    [Theory]
    [InlineData("foo 'bar", "single-quoted string not terminated")]
    [InlineData("foo \"bar", "double-quoted string not terminated")]
    [InlineData("", "command string is empty")]
    [InlineData("   ", "command string is empty")]
    public void Bad_commands_are_refused(string command, string message)
    {
        var e = Assert.Throws<BackendException>(() => ShellSplitter.Split(command));
        Assert.Equal(message, e.Message);
    }

    [Theory]
    [InlineData("sftp:host:/repo", "host -s sftp")]
    [InlineData("sftp:user@host:/repo", "host -l user -s sftp")]
    [InlineData("sftp:user@domain@host:/repo", "host -l user@domain -s sftp")]
    [InlineData("sftp://user@host:2222//repo", "host -p 2222 -l user -s sftp")]
    [InlineData("sftp://[::1]:2222/repo", "::1 -p 2222 -s sftp")]
    public void The_default_command_is_the_systems_ssh_as_restic_builds_it(string location, string args)
    {
        var command = SshCommand.Build(SftpConfig.Parse(location), null, null);
        Assert.Equal("ssh", command.Program);
        Assert.Equal(args.Split(' '), command.Args);
    }

    [Fact]
    public void Sftp_args_go_before_the_subsystem_request()
    {
        var command = SshCommand.Build(SftpConfig.Parse("sftp://u@h:22/r"), null, "-F '/tmp/a b/cfg' -o ConnectTimeout=5");
        Assert.Equal(["h", "-p", "22", "-l", "u", "-F", "/tmp/a b/cfg", "-o", "ConnectTimeout=5", "-s", "sftp"], command.Args);
    }

    [Fact]
    public void Sftp_command_is_run_as_given_and_excludes_sftp_args()
    {
        var command = SshCommand.Build(SftpConfig.Parse("sftp:ignored:/r"), "plink -batch box -s sftp", null);
        Assert.Equal("plink", command.Program);
        Assert.Equal(["-batch", "box", "-s", "sftp"], command.Args);
        var e = Assert.Throws<BackendException>(() => SshCommand.Build(SftpConfig.Parse("sftp:h:/r"), "ssh h -s sftp", "-v"));
        Assert.Equal("cannot specify both sftp.command and sftp.args options", e.Message);
    }

    [Fact]
    public void The_factory_opens_sftp_locations_with_their_options()
    {
        var settings = new BackendSettings { Options = new Dictionary<string, string> { ["sftp.connections"] = "7", ["sftp.args"] = "-v" } };
        using var backend = BackendFactory.Open("sftp:box:repo", settings);
        Assert.False(backend.IsLocal);
        Assert.Equal(7, backend.Connections);
        Assert.Equal("sftp:box:repo", backend.Location);
        using var fallback = BackendFactory.Open("sftp:box:repo", new BackendSettings());
        Assert.Equal(5, fallback.Connections);
        var bad = Assert.Throws<BackendException>(() => BackendFactory.Open("sftp:box:repo",
            new BackendSettings { Options = new Dictionary<string, string> { ["sftp.connections"] = "0" } }));
        Assert.Contains("sftp.connections", bad.Message);
    }
}
