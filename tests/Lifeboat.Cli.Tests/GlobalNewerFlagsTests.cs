using System.Text.Json;
using Lifeboat.TestSupport;

namespace Lifeboat.Cli.Tests;

/// <summary>
/// The global settings of restic 0.17 to 0.19: --compression fastest|better, RESTIC_HOST with --host winning,
/// --insecure-no-password, and version --json; and generate's completions and man pages.
/// </summary>
public sealed class GlobalNewerFlagsTests : CliTestBase
{
    private static JsonElement LastLine(string stdout) =>
        JsonDocument.Parse(stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Last()).RootElement;

    private long StoredWith(string compression)
    {
        var repo = Temp.Combine("repo-" + compression);
        var cli = new LifeboatCli(repo, Password);
        cli.RunChecked("init");
        var summary = LastLine(cli.RunChecked("backup", Source, "--json", "--compression", compression).Stdout);
        using var restic = new Restic(repo, Password);
        var check = restic.Run("check", "--read-data");
        Assert.True(check.ExitCode == 0, check.Stdout + check.Stderr);
        return summary.GetProperty("data_added_packed").GetInt64();
    }

    [Fact]
    public void CompressionFastestAndBetter_CompressAtTheirLevels_AndRestic014ReadsThem()
    {
        var random = new Random(3);
        var words = Enumerable.Range(0, 400).Select(_ => new string((char)('a' + random.Next(26)), random.Next(2, 9)) + random.Next(1000)).ToArray();
        WriteFile("log.txt", string.Join(' ', Enumerable.Range(0, 400_000).Select(_ => words[random.Next(words.Length)])));

        long off = StoredWith("off"), fastest = StoredWith("fastest"), better = StoredWith("better");

        Assert.True(fastest < off / 2, $"fastest {fastest} of {off}");
        Assert.True(better < fastest, $"better {better}, fastest {fastest}");
        var bad = Cli.Run("snapshots", "--compression", "ultra");
        Assert.Equal(1, bad.ExitCode);
        Assert.Contains("choose auto, off, fastest, better or max", bad.Stderr);
    }

    [Fact]
    public void ResticHost_NamesTheBackupsHost_AndFiltersSnapshots_UnlessHostIsGiven()
    {
        WriteFile("a.txt", "a");
        Cli.RunChecked("init");
        Cli.With("RESTIC_HOST", "from-env").RunChecked("backup", Source);
        Cli.RunChecked("backup", Source, "--host", "from-flag");

        string[] Hosts(params string[] args) => JsonDocument.Parse(Cli.RunChecked(["snapshots", "--json", .. args]).Stdout).RootElement
            .EnumerateArray().Select(s => s.GetProperty("hostname").GetString()!).Order(StringComparer.Ordinal).ToArray();

        Assert.Equal(["from-env"], Hosts());
        Assert.Equal(["from-flag"], Hosts("--host", "from-flag"));
        Assert.Equal(["from-env", "from-flag"], Hosts("--host", ""));
        Cli.With("RESTIC_HOST", null);
        Assert.Equal(["from-env", "from-flag"], Hosts());
    }

    [Fact]
    public void InsecureNoPassword_CreatesAndOpensARepositoryWithAnEmptyPassword_AndNothingElse()
    {
        WriteFile("a.txt", "a");
        var cli = new LifeboatCli(Repo);

        var refused = cli.Run("init");
        cli.RunChecked("init", "--insecure-no-password");
        cli.RunChecked("backup", Source, "--insecure-no-password");
        var list = JsonDocument.Parse(cli.RunChecked("snapshots", "--json", "--insecure-no-password").Stdout).RootElement;
        var both = new LifeboatCli(Repo, Password).Run("snapshots", "--insecure-no-password");
        var without = cli.Run("snapshots");

        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("empty password is not allowed", refused.Stderr);
        Assert.Equal(1, list.GetArrayLength());
        Assert.Equal(1, both.ExitCode);
        Assert.Contains("--insecure-no-password must not be specified together with providing a password via a cli option or environment variable", both.Stderr);
        Assert.NotEqual(0, without.ExitCode);
        AssertNoStackTrace(both);
    }

    [Fact]
    public void VersionJson_HasResticsFields()
    {
        var json = JsonDocument.Parse(Cli.RunChecked("version", "--json").Stdout).RootElement;

        Assert.Equal("version", json.GetProperty("message_type").GetString());
        Assert.Equal("linux", json.GetProperty("go_os").GetString());
        Assert.False(string.IsNullOrEmpty(json.GetProperty("go_arch").GetString()));
    }

    [Fact]
    public void GenerateBashCompletion_CompletesCommandsAndTheirFlags()
    {
        var script = Temp.Combine("lifeboat.bash");
        Cli.RunChecked("generate", "--bash-completion", script);

        string Complete(params string[] words)
        {
            var line = string.Join(' ', words.Select(w => $"'{w}'"));
            var r = ProcessRunner.Run("bash", ["-c", $"source '{script}'; COMP_WORDS=({line}); COMP_CWORD={words.Length - 1}; _lifeboat; echo \"${{COMPREPLY[*]}}\""]);
            Assert.True(r.ExitCode == 0, r.Stderr);
            return r.Stdout.Trim();
        }

        Assert.Equal("backup", Complete("lifeboat", "bac"));
        Assert.Contains("--skip-if-unchanged", Complete("lifeboat", "-r", "/x", "backup", "--sk").Split(' '));
        Assert.Contains("--repo", Complete("lifeboat", "snapshots", "--re").Split(' '));
        Assert.Equal(Cli.RunChecked("generate", "--bash-completion", "-").Stdout, File.ReadAllText(script));
    }

    [Fact]
    public void GenerateZshAndFishCompletions_NameEveryCommand()
    {
        var zsh = Cli.RunChecked("generate", "--zsh-completion", "-").Stdout;
        var fish = Cli.RunChecked("generate", "--fish-completion", "-").Stdout;

        Assert.StartsWith("#compdef lifeboat", zsh);
        Assert.Contains("_lifeboat_flags[lifeboat\\ backup]=", zsh);
        Assert.Contains("complete -c lifeboat -f -n '__fish_use_subcommand' -a 'backup'", fish);
        Assert.Contains("-n '__fish_seen_subcommand_from init' -l copy-chunker-params", fish);
        Assert.Equal(0, ProcessRunner.Run("bash", ["-n", "-c", Cli.RunChecked("generate", "--bash-completion", "-").Stdout]).ExitCode);
    }

    [Fact]
    public void GenerateMan_WritesAPagePerCommand_ThatGroffRendersWithoutWarnings()
    {
        var directory = Temp.Combine("man");

        Cli.RunChecked("generate", "--man", directory);

        var pages = Directory.GetFiles(directory).Select(Path.GetFileName).ToList();
        Assert.Contains("lifeboat.1", pages);
        Assert.Contains("lifeboat-backup.1", pages);
        Assert.Contains("lifeboat-generate.1", pages);
        // plain text: no overstrike nor escape sequences for bold and underline
        var backup = ProcessRunner.Run("groff", ["-man", "-Tascii", "-ww", "-P-c", "-P-b", "-P-u", Path.Combine(directory, "lifeboat-backup.1")]);
        Assert.Equal("", backup.Stderr);
        Assert.Contains("--skip-if-unchanged", backup.Stdout);
        var none = Cli.Run("generate");
        Assert.Equal(1, none.ExitCode);
        Assert.Contains("nothing to do", none.Stderr);
    }
}
