using Lifeboat.Engine.Model;
using Lifeboat.Engine.Repository;
using Lifeboat.Engine.Storage;
using Lifeboat.Stack.Hosting;
using Lifeboat.TestSupport;
using Repo = Lifeboat.Engine.Repository.Repository;

namespace Lifeboat.Stack.Tests.Hosting;

/// <summary>
/// The host layer's rules, driven by an environment of the test's own: where the repository is, which password source
/// wins, and errors as one line. Nothing here needs restic or a terminal.
/// </summary>
public sealed class RepositoryAccessTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly Dictionary<string, string> _env = new(StringComparer.Ordinal);

    private RepositoryAccess Access(RepositoryRequest? request = null, Func<bool, string?>? prompt = null) =>
        new(request ?? new RepositoryRequest { WorkingDirectory = _temp.Path }, new ResticEnvironment(name => _env.GetValueOrDefault(name)))
        {
            PromptPassword = prompt,
        };

    private string WriteFile(string name, string content)
    {
        var path = _temp.Combine(name);
        File.WriteAllText(path, content);
        return path;
    }

    /// <summary>A lifeboat.yaml with a repository and a password file, named by $LIFEBOAT_CONFIG.</summary>
    private string StackConfigInEnvironment(string passwordLine = "password-file: stack-password")
    {
        var path = WriteFile("lifeboat.yaml", $"repository: /srv/stack-repo\n{passwordLine}\nhost: h\napps:\n  a:\n    paths: [/srv/a]\n");
        _env["LIFEBOAT_CONFIG"] = path;
        return path;
    }

    private static void AssertOneLine(Exception e)
    {
        Assert.IsAssignableFrom<StackException>(e);
        Assert.DoesNotContain('\n', e.Message);
    }

    // ---- where the repository is ----

    [Fact]
    public void TheOptionWinsOverTheEnvironment_AndLifeboatsVariableOverRestics()
    {
        _env["RESTIC_REPOSITORY"] = "/from/restic";
        Assert.Equal("/from/restic", Access().RepositoryLocation());
        _env["LIFEBOAT_REPOSITORY"] = "/from/lifeboat";
        Assert.Equal("/from/lifeboat", Access().RepositoryLocation());
        Assert.Equal("/from/option", Access(new RepositoryRequest { Repository = "/from/option" }).RepositoryLocation());
    }

    [Fact]
    public void ARepositoryFileIsReadAndTrimmed_AndAnEmptyVariableCountsAsUnset()
    {
        _env["RESTIC_REPOSITORY"] = "";
        _env["RESTIC_REPOSITORY_FILE"] = WriteFile("repo-file", "  /from/file\n");
        Assert.Equal("/from/file", Access().RepositoryLocation());
    }

    [Fact]
    public void BothOptions_NoLocation_AndAnUnreadableFile_AreOneLineErrors()
    {
        var both = Assert.ThrowsAny<Exception>(() => Access(new RepositoryRequest { Repository = "/r", RepositoryFile = "/f" }).RepositoryLocation());
        Assert.Equal("Options -r and --repository-file are mutually exclusive, please specify only one", both.Message);
        AssertOneLine(both);

        var none = Assert.ThrowsAny<Exception>(() => Access().RepositoryLocation());
        Assert.Equal("Please specify repository location (-r or --repository-file)", none.Message);
        AssertOneLine(none);

        var unreadable = Assert.ThrowsAny<Exception>(() => Access(new RepositoryRequest { RepositoryFile = _temp.Combine("missing") }).RepositoryLocation());
        Assert.StartsWith($"cannot read repository file {_temp.Combine("missing")}: ", unreadable.Message);
        AssertOneLine(unreadable);
    }

    [Fact]
    public void WithoutARepository_TheStackConfigSuppliesIt_AndAGivenRepositoryLeavesTheConfigAlone()
    {
        StackConfigInEnvironment();
        var stackMode = Access();
        Assert.False(stackMode.RepositoryGiven);
        Assert.NotNull(stackMode.StackConfig);
        Assert.Equal("/srv/stack-repo", stackMode.RepositoryLocation());

        _env["RESTIC_REPOSITORY"] = "/given";
        var resticMode = Access();
        Assert.True(resticMode.RepositoryGiven);
        Assert.Null(resticMode.StackConfig);
        Assert.Equal("/given", resticMode.RepositoryLocation());
    }

    [Fact]
    public void AConfigNamedButMissing_IsAOneLineError()
    {
        _env["LIFEBOAT_CONFIG"] = _temp.Combine("nope.yaml");
        var e = Assert.ThrowsAny<Exception>(() => Access().StackConfig);
        Assert.Contains("nope.yaml ($LIFEBOAT_CONFIG) does not exist", e.Message);
        AssertOneLine(e);
    }

    // ---- the password ----

    [Fact]
    public void PasswordFile_WinsOverCommandVariable_AndPassword()
    {
        _env["RESTIC_PASSWORD"] = "from-env";
        _env["RESTIC_PASSWORD_COMMAND"] = "echo from-command";
        var file = WriteFile("pw", "from-file\n");
        var access = Access(new RepositoryRequest { PasswordFile = file });
        Assert.Equal(PasswordSourceKind.File, access.PasswordSourceFor(null).Kind);
        Assert.Equal("from-file", access.Password());
    }

    [Fact]
    public void PasswordCommand_WinsOverThePasswordVariable_AndIsTrimmed()
    {
        _env["RESTIC_PASSWORD"] = "from-env";
        var access = Access(new RepositoryRequest { PasswordCommand = "printf '  from-command\\n'" });
        Assert.Equal(PasswordSourceKind.Command, access.PasswordSourceFor(null).Kind);
        Assert.Equal("from-command", access.Password());
    }

    [Fact]
    public void ThePasswordFileVariable_WinsOverThePassword()
    {
        _env["RESTIC_PASSWORD"] = "from-env";
        _env["RESTIC_PASSWORD_FILE"] = WriteFile("pw", "from-file-variable");
        Assert.Equal("from-file-variable", Access().Password());
        _env.Remove("RESTIC_PASSWORD_FILE");
        var source = Access().PasswordSourceFor(null);
        Assert.Equal(PasswordSourceKind.Environment, source.Kind);
        Assert.DoesNotContain("from-env", source.ToString());
        Assert.Equal("from-env", Access().Password());
    }

    [Fact]
    public void InStackMode_TheConfigsPasswordFile_WinsOverTheVariablesExportedForRestic()
    {
        StackConfigInEnvironment();
        WriteFile("stack-password", "from-stack\n");
        Assert.Equal("from-stack", Access().Password());
        _env["LIFEBOAT_PASSWORD"] = "from-env";
        _env["RESTIC_PASSWORD"] = "from-env";
        _env["RESTIC_PASSWORD_FILE"] = WriteFile("restic-password", "from-file-variable");
        _env["RESTIC_PASSWORD_COMMAND"] = "echo from-command";
        Assert.Equal("from-stack", Access().Password());
        Assert.False(Access().PasswordGiven); // so init writes the config's file rather than reading the variable's
    }

    [Fact]
    public void InStackMode_AnOptionNamingAnotherPassword_IsRefused_NamingBoth()
    {
        var config = StackConfigInEnvironment();
        var stackFile = WriteFile("stack-password", "from-stack\n");
        var other = WriteFile("other-password", "other\n");
        var e = Assert.ThrowsAny<Exception>(() => Access(new RepositoryRequest { PasswordFile = other }).Password());
        Assert.Equal($"--password-file {other} is not the stack's password: {config} names it with password-file {stackFile}; leave out --password-file, or change password-file in {config}", e.Message);
        AssertOneLine(e);
        var command = Assert.ThrowsAny<Exception>(() => Access(new RepositoryRequest { PasswordCommand = "echo x" }).Password());
        Assert.Equal($"--password-command is not the stack's password: {config} names it with password-file {stackFile}; leave out --password-command, or change password-file in {config}", command.Message);
        // the config's own file named again is no conflict
        Assert.Equal("from-stack", Access(new RepositoryRequest { PasswordFile = stackFile }).Password());
    }

    [Fact]
    public void InStackMode_WithoutAPasswordInTheConfig_TheVariablesStillServe()
    {
        var path = WriteFile("lifeboat.yaml", "repository: /srv/stack-repo\nhost: h\napps:\n  a:\n    paths: [/srv/a]\n");
        _env["LIFEBOAT_CONFIG"] = path;
        _env["RESTIC_PASSWORD"] = "from-env";
        Assert.Equal("from-env", Access().Password());
        Assert.True(Access().PasswordGiven);
    }

    [Fact]
    public void ThePrompt_OnlyWhenNoSourceGivesOne_AndAskedToConfirmForANewRepository()
    {
        bool? confirmAsked = null;
        var access = Access(prompt: confirm => { confirmAsked = confirm; return "typed"; });
        Assert.Equal("typed", access.Password(confirm: true));
        Assert.True(confirmAsked);

        _env["RESTIC_PASSWORD"] = "from-env";
        confirmAsked = null;
        Assert.Equal("from-env", Access(prompt: confirm => { confirmAsked = confirm; return "typed"; }).Password());
        Assert.Null(confirmAsked);
    }

    [Fact]
    public void PasswordErrors_AreOneLine()
    {
        var none = Assert.ThrowsAny<Exception>(() => Access().Password());
        Assert.Equal("an empty password is not allowed: set RESTIC_PASSWORD, --password-file or --password-command", none.Message);
        AssertOneLine(none);

        var both = Assert.ThrowsAny<Exception>(() => Access(new RepositoryRequest { PasswordFile = "/f", PasswordCommand = "true" }).Password());
        Assert.Equal("Password file and command are mutually exclusive options", both.Message);
        AssertOneLine(both);

        var unreadable = Assert.ThrowsAny<Exception>(() => Access(new RepositoryRequest { PasswordFile = _temp.Combine("missing") }).Password());
        Assert.StartsWith($"cannot read password file {_temp.Combine("missing")}: ", unreadable.Message);
        AssertOneLine(unreadable);

        var failing = Assert.ThrowsAny<Exception>(() => Access(new RepositoryRequest { PasswordCommand = "echo oops >&2; exit 3" }).Password());
        Assert.Equal("password command failed with exit code 3", failing.Message);
        AssertOneLine(failing);

        var empty = Assert.ThrowsAny<Exception>(() => Access(new RepositoryRequest { PasswordFile = WriteFile("empty", "\n") }).Password());
        Assert.StartsWith("an empty password is not allowed", empty.Message);
    }

    [Fact]
    public void AMissingPasswordFile_SaysWhereTheOffMachineCopyGoes_AndHowToNameAnother()
    {
        const string advice = "there is no such file; on a rebuilt machine, put the repository password there from the copy you keep off this machine (mode 0600); to use another file, ";
        var config = StackConfigInEnvironment("password-file: /etc/lifeboat/missing-password");
        var fromConfig = Assert.ThrowsAny<Exception>(() => Access().Password());
        Assert.Equal($"cannot read password file /etc/lifeboat/missing-password: {advice}change password-file in {config}", fromConfig.Message);
        AssertOneLine(fromConfig);

        var missing = _temp.Combine("gone/password");
        _env.Remove("LIFEBOAT_CONFIG"); // no stack: the variable is what names the file
        _env["RESTIC_REPOSITORY"] = "/srv/repo";
        _env["RESTIC_PASSWORD_FILE"] = missing;
        var fromVariable = Assert.ThrowsAny<Exception>(() => Access().Password());
        Assert.Equal($"cannot read password file {missing}: {advice}give --password-file or set RESTIC_PASSWORD_FILE ({missing} is named by RESTIC_PASSWORD_FILE)", fromVariable.Message);

        // restic mode (a repository given): no config to name
        var fromOption = Assert.ThrowsAny<Exception>(() => Access(new RepositoryRequest { Repository = "/srv/repo", PasswordFile = missing, WorkingDirectory = _temp.Path }).Password());
        Assert.Equal($"cannot read password file {missing}: {advice}give --password-file or set RESTIC_PASSWORD_FILE ({missing} is named by --password-file)", fromOption.Message);
        Assert.DoesNotContain("Could not find", fromOption.Message);
    }

    // ---- options ----

    [Fact]
    public void RepositoryOptions_FromTheRequestTheEnvironmentAndTheConfig()
    {
        _env["RESTIC_COMPRESSION"] = "max";
        _env["RESTIC_PACK_SIZE"] = "32";
        _env["RESTIC_KEY_HINT"] = "abcd";
        var options = Access(new RepositoryRequest { NoCache = true }).RepositoryOptions();
        Assert.Equal(CompressionMode.Max, options.Compression);
        Assert.Equal(32L << 20, options.PackSize);
        Assert.Equal("abcd", options.KeyHint);
        Assert.Null(options.CacheDirectory);
        Assert.Equal(CompressionMode.Off, Access(new RepositoryRequest { Compression = "OFF", NoCache = true }).RepositoryOptions().Compression);

        _env["RESTIC_CACHE_DIR"] = _temp.Combine("cache");
        Assert.Equal(_temp.Combine("cache"), Access().RepositoryOptions().CacheDirectory);
    }

    [Fact]
    public void OptionErrors_AreOneLine()
    {
        var compression = Assert.ThrowsAny<Exception>(() => Access(new RepositoryRequest { Compression = "fast" }).RepositoryOptions());
        Assert.Equal("invalid compression mode \"fast\": choose auto, off, fastest, better or max", compression.Message);
        AssertOneLine(compression);
        var packSize = Assert.ThrowsAny<Exception>(() => Access(new RepositoryRequest { PackSizeMiB = 1000 }).RepositoryOptions());
        Assert.Equal("pack size 1000 MiB is out of range: choose between 4 and 128 MiB", packSize.Message);
        AssertOneLine(packSize);
        var option = Assert.ThrowsAny<Exception>(() => Access(new RepositoryRequest { ExtendedOptions = ["novalue"] }).BackendSettings());
        Assert.Equal("invalid option \"novalue\": want key=value", option.Message);
        AssertOneLine(option);
        var limit = Assert.ThrowsAny<Exception>(() => Access(new RepositoryRequest { UploadLimitKiB = -1 }).BackendSettings());
        Assert.Equal("--limit-upload must be a positive number of KiB/s", limit.Message);
    }

    [Fact]
    public void BackendSettings_TakeOptionsLimitsAndTheInjectedEnvironment()
    {
        _env["AWS_ACCESS_KEY_ID"] = "key-from-env";
        _env["RESTIC_CACERT"] = "/a.pem, /b.pem";
        var settings = Access(new RepositoryRequest { ExtendedOptions = ["s3.connections = 7"], DownloadLimitKiB = 10 }).BackendSettings();
        Assert.Equal("7", settings.Option("s3.connections"));
        Assert.Equal(10 * 1024L, settings.DownloadLimit);
        Assert.Null(settings.UploadLimit);
        Assert.Equal(["/a.pem", "/b.pem"], settings.CaCertificateFiles);
        Assert.Equal("key-from-env", settings.Environment("AWS_ACCESS_KEY_ID"));
    }

    // ---- opening and locking ----

    [Fact]
    public async Task OpensWithTheResolvedPassword_AndLocksWithRetry_OrNotAtAllWithNoLock()
    {
        var ct = TestContext.Current.CancellationToken;
        var location = _temp.Combine("repo");
        await (await Repo.InitAsync(new LocalBackend(location), "secret", 2, new RepositoryOptions(), (1024, 8, 1), cancellationToken: ct)).DisposeAsync();
        _env["RESTIC_PASSWORD"] = "secret";

        var access = Access(new RepositoryRequest { Repository = location, RetryLock = TimeSpan.FromSeconds(30) });
        await using (var repo = await access.OpenRepositoryAsync(ct))
        {
            await using var held = await access.LockAsync(repo, new LockRequest(Exclusive: true) { LoadIndex = true }, ct);
            Assert.NotNull(held);
            Assert.Single(Directory.GetFiles(Path.Combine(location, "locks")));
        }
        Assert.Empty(Directory.GetFiles(Path.Combine(location, "locks")));

        var noLock = Access(new RepositoryRequest { Repository = location, NoLock = true });
        await using (var repo = await noLock.OpenRepositoryAsync(ct))
        {
            bool loaded = false;
            Assert.Null(await noLock.LockAsync(repo, new LockRequest(Exclusive: false) { WhileLocking = _ => { loaded = true; return Task.CompletedTask; } }, ct));
            Assert.True(loaded);
            Assert.Empty(Directory.GetFiles(Path.Combine(location, "locks")));
        }

        _env["RESTIC_PASSWORD"] = "wrong";
        var e = await Assert.ThrowsAsync<RepositoryException>(() => Access(new RepositoryRequest { Repository = location }).OpenRepositoryAsync(ct));
        Assert.Equal(RepositoryErrorKind.WrongPassword, e.Kind);
    }

    public void Dispose() => _temp.Dispose();
}
