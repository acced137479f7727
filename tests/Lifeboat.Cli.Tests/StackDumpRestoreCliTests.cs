using System.Text.Json;
using Lifeboat.TestSupport;

namespace Lifeboat.Cli.Tests;

/// <summary>
/// restore's dump flags through the real binary, with a command: dump on the host (no database needed): the refusal
/// without a choice, --no-dumps, --replace-databases, --dumps-only, a failing load, and the flags' mistakes.
/// </summary>
public sealed class StackDumpRestoreCliTests : IDisposable
{
    private readonly TempDirectory _temp = new("lifeboat-dumprestore");
    private string ConfigPath => _temp.Combine("etc/lifeboat.yaml");
    private string Config => _temp.Combine("srv/app/config.json");
    private string State => _temp.Combine("var/state.bin");
    private string Loaded => _temp.Combine("var/loaded.bin");
    private LifeboatCli Cli => new LifeboatCli().With("LIFEBOAT_CONFIG", ConfigPath);
    /// <summary>Every byte value, and more than one chunk's worth: what the restore-command must receive exactly.</summary>
    private readonly byte[] _state = Enumerable.Range(0, 3 << 20).Select(i => (byte)(i * 7 + i / 251)).ToArray();

    public StackDumpRestoreCliTests()
    {
        Directory.CreateDirectory(_temp.Combine("srv/app"));
        Directory.CreateDirectory(_temp.Combine("var"));
        Directory.CreateDirectory(_temp.Combine("etc"));
        File.WriteAllText(Config, "{\"v\": 1}");
        File.WriteAllBytes(State, _state);
        File.WriteAllText(_temp.Combine("etc/password"), "stack password");
        WriteConfig($"[sh, -c, \"cat > {Loaded}\"]");
        Cli.RunChecked("init");
        Cli.RunChecked("backup");
        File.WriteAllText(Config, "{\"v\": 2}");
    }

    private void WriteConfig(string restoreCommand, string hooks = "") => File.WriteAllText(ConfigPath, $"""
        repository: {_temp.Combine("backup/repo")}
        password-file: {_temp.Combine("etc/password")}
        host: dump-host
        apps:
          app:
            paths: [{_temp.Combine("srv/app")}]
            dumps:
              - kind: command
                name: state
                command: [cat, {State}]
                restore-command: {restoreCommand}
        {hooks}
        """);

    /// <summary>Runs a command that must fail with exit code 1, and returns its stderr.</summary>
    private string Fails(params string[] args)
    {
        var r = Cli.Run(args);
        Assert.True(r.ExitCode == 1, $"exit {r.ExitCode}\nstdout: {r.Stdout}\nstderr: {r.Stderr}");
        Assert.DoesNotContain("   at ", r.Stderr);
        return r.Stderr;
    }

    [Fact]
    public void WithoutAChoiceNothingIsRestoredAndOneLineSaysWhichDumpsThereAreAndTheChoices()
    {
        var stderr = Fails("restore", "app");
        Assert.Single(stderr.TrimEnd('\n').Split('\n'));
        Assert.Contains("holds database dumps (state/state.dump)", stderr);
        Assert.Contains("--replace-databases (the files, then the dumps), --dumps-only --replace-databases (the dumps only), or --no-dumps (the files only)", stderr);
        Assert.Equal("{\"v\": 2}", File.ReadAllText(Config));
        Assert.False(File.Exists(Loaded));
    }

    [Fact]
    public void NoDumpsRestoresTheFilesOnly()
    {
        Cli.RunChecked("restore", "app", "--no-dumps");
        Assert.Equal("{\"v\": 1}", File.ReadAllText(Config));
        Assert.False(File.Exists(Loaded));
    }

    [Fact]
    public void ReplaceDatabasesRestoresTheFilesThenFeedsTheDumpToItsRestoreCommandByteForByte()
    {
        var r = Cli.RunChecked("restore", "app", "--replace-databases");
        Assert.Equal("{\"v\": 1}", File.ReadAllText(Config));
        Assert.Equal(_state, File.ReadAllBytes(Loaded));
        Assert.Contains("app: loaded dump state/state.dump (its restore-command), 3.000 MiB", r.Stdout);
    }

    [Fact]
    public void TheAppsRestoreHooksRunAroundTheFilesAndTheLoad()
    {
        var log = _temp.Combine("var/order.log");
        WriteConfig($"[sh, -c, \"cat > {Loaded}; echo load >> {log}\"]", $"""
                hooks:
                  restore:
                    before: [[sh, -c, "cat {Config} >> {log}; echo before >> {log}"]]
                    after: [[sh, -c, "cat {Config} >> {log}; echo after >> {log}"]]
            """);
        Cli.RunChecked("restore", "app", "--replace-databases");
        // before: the files not yet restored (v 2); after: restored (v 1), and the dump loaded in between
        Assert.Equal("{\"v\": 2}before\nload\n{\"v\": 1}after\n", File.ReadAllText(log));
        Assert.Equal(_state, File.ReadAllBytes(Loaded));
    }

    [Fact]
    public void DumpsOnlyLoadsTheDumpAndLeavesTheFilesAlone()
    {
        var r = Cli.RunChecked("restore", "app", "--dumps-only", "--replace-databases", "--json");
        Assert.Equal("{\"v\": 2}", File.ReadAllText(Config));
        Assert.Equal(_state, File.ReadAllBytes(Loaded));
        var line = r.Stdout.Split('\n').Single(l => l.Contains("\"app_restored\""));
        using var json = JsonDocument.Parse(line);
        Assert.False(json.RootElement.GetProperty("files_restored").GetBoolean());
        var dump = Assert.Single(json.RootElement.GetProperty("dumps").EnumerateArray().ToList());
        Assert.Equal("/lifeboat-dumps/state/state.dump", dump.GetProperty("path").GetString());
        Assert.Equal("loaded", dump.GetProperty("outcome").GetString());
        Assert.Equal(_state.Length, dump.GetProperty("bytes").GetInt64());
    }

    [Fact]
    public void AFailingLoadIsOneLineNamingTheDumpAndTheToolsLastLinesAndTheFilesStayRestored()
    {
        WriteConfig("[sh, -c, \"cat > /dev/null; echo 'ERROR 1045: access denied' >&2; exit 3\"]");
        var stderr = Fails("restore", "app", "--replace-databases");
        var line = Assert.Single(stderr.TrimEnd('\n').Split('\n'));
        Assert.Contains("app: FAILED: dump state/state.dump could not be loaded into its restore-command: sh exited with code 3: ERROR 1045: access denied; the restored files stay in place", line);
        Assert.Equal("{\"v\": 1}", File.ReadAllText(Config));
    }

    [Fact]
    public void ACommandDumpWithoutRestoreCommandSaysHowToGetIt()
    {
        File.WriteAllText(ConfigPath, File.ReadAllText(ConfigPath).Split("        restore-command")[0]);
        var r = Cli.RunChecked("restore", "app", "--dumps-only", "--replace-databases");
        Assert.Contains($"app: dump state/state.dump is not loaded: its entry has no restore-command, so it cannot be loaded automatically; get it with `lifeboat dump app /lifeboat-dumps/state/state.dump > state.dump`", r.Stdout);
        Assert.Equal(_state, Cli.Run("dump", "app", "/lifeboat-dumps/state/state.dump") is { ExitCode: 0 } dump ? dump.StdoutBytes : null);
    }

    [Fact]
    public void TheFlagsMistakesAreNamedBeforeAnythingIsDone()
    {
        Assert.Contains("--dumps-only loads the dumps over what the databases hold now: confirm it with --replace-databases", Fails("restore", "app", "--dumps-only"));
        Assert.Contains("--no-dumps restores the files only: leave out --replace-databases", Fails("restore", "app", "--no-dumps", "--replace-databases"));
        Assert.Contains("--target restores the files elsewhere, the dump files with them", Fails("restore", "app", "--target", _temp.Combine("t"), "--replace-databases"));
        Assert.Contains("--dumps-only leaves the files alone: leave out --path", Fails("restore", "app", "--dumps-only", "--replace-databases", "--path", Config));
        Assert.Contains("--target-database copy: app app has no dump of a single database (it has no database dumps)", Fails("restore", "app", "--replace-databases", "--target-database", "copy"));
        Assert.Contains("--replace-databases loads the dumps into the live databases, which a rehearsal under --target-root leaves alone", Fails("rebuild", "--target-root", _temp.Combine("r"), "--replace-databases"));
        Assert.Equal("{\"v\": 2}", File.ReadAllText(Config));
        Assert.False(File.Exists(Loaded));
        // a selection of files asks for those files only
        Cli.RunChecked("restore", "app", "--path", Config);
        Assert.Equal("{\"v\": 1}", File.ReadAllText(Config));
        Assert.False(File.Exists(Loaded));
    }

    [Fact]
    public void VerifyReadsTheDumpBackAndListsItInItsJson()
    {
        var r = Cli.RunChecked("verify", "--json");
        using var json = JsonDocument.Parse(r.Stdout.Split('\n').Single(l => l.StartsWith('[')));
        var record = json.RootElement.EnumerateArray().Single();
        Assert.True(record.GetProperty("passed").GetBoolean());
        var dump = Assert.Single(record.GetProperty("dumps").EnumerateArray().ToList());
        Assert.Equal(("/lifeboat-dumps/state/state.dump", "read", true, _state.Length),
            (dump.GetProperty("path").GetString(), dump.GetProperty("check").GetString(), dump.GetProperty("passed").GetBoolean(), dump.GetProperty("bytes").GetInt32()));
        Assert.Contains("1 dump read back whole", Cli.RunChecked("verify").Stdout);
    }

    [Fact]
    public void TheDumpFlagsNeedAStack()
    {
        var cli = new LifeboatCli(_temp.Combine("backup/repo"), "stack password");
        var r = cli.Run("restore", "latest", "--target", _temp.Combine("t"), "--replace-databases");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("--replace-databases needs a lifeboat.yaml (stack mode)", r.Stderr);
    }

    public void Dispose() => _temp.Dispose();
}
