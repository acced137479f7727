using System.Text.Json;
using Lifeboat.TestSupport;

namespace Lifeboat.Cli.Tests;

/// <summary>
/// dump, ls, find, diff and stats in stack mode, through the real binary: the app named or inferred from a path, its
/// snapshots chosen by --snapshot or --at, and the errors a user meets, word for word. As in the issue, the newest
/// snapshot of the repository is another app's (plex backs up after sonarr).
/// </summary>
public sealed class StackReadCliTests : IDisposable
{
    private readonly TempDirectory _temp = new("lifeboat-stackread");
    private string ConfigPath => _temp.Combine("etc/lifeboat.yaml");
    private string Plex => _temp.Combine("mnt/plexdata");
    private string Sonarr => _temp.Combine("mnt/projects/sonarr/config");
    private string SonarrXml => Sonarr + "/config.xml";
    private LifeboatCli Cli => new LifeboatCli().With("LIFEBOAT_CONFIG", ConfigPath);
    /// <summary>sonarr's two snapshots, oldest first, and plex's one.</summary>
    private readonly Snap _sonarrOld, _sonarrNew, _plex;
    /// <summary>A time between sonarr's two snapshots, to the second.</summary>
    private readonly string _between;

    private sealed record Snap(string Id, string ShortId, DateTimeOffset Time)
    {
        /// <summary>As the messages show it: "1a2b3c4d (2026-12-05 03:00:00)", local time.</summary>
        public string Described => $"{ShortId} ({Time.ToLocalTime():yyyy-MM-dd HH:mm:ss})";
    }

    public StackReadCliTests()
    {
        Write("mnt/plexdata/Preferences.xml", "<Preferences/>");
        Write("mnt/projects/sonarr/config/config.xml", "<sonarr v1/>");
        Write("mnt/projects/sonarr/config/logs/sonarr.txt", "log");
        Write("mnt/projects/radarr/config/config.xml", "<radarr/>");
        Directory.CreateDirectory(Path.GetDirectoryName(ConfigPath)!);
        File.WriteAllText(_temp.Combine("etc/password"), "stack password");
        File.WriteAllText(ConfigPath, $"""
            repository: {_temp.Combine("backup/repo")}
            password-file: {_temp.Combine("etc/password")}
            host: media-vm
            apps:
              plex:
                paths: [{Plex}]
              sonarr:
                paths: [{Sonarr}]
              radarr:
                paths: [{_temp.Combine("mnt/projects/radarr/config")}]
            """);
        Cli.RunChecked("init");
        Cli.RunChecked("backup", "sonarr");
        Thread.Sleep(1100);
        _between = DateTimeOffset.Now.ToString("yyyy-MM-ddTHH:mm:ss");
        Thread.Sleep(1100);
        Write("mnt/projects/sonarr/config/config.xml", "<sonarr v2/>");
        Cli.RunChecked("backup", "sonarr");
        Cli.RunChecked("backup", "plex");
        _sonarrOld = Snapshots("sonarr")[0];
        _sonarrNew = Snapshots("sonarr")[1];
        _plex = Snapshots("plex")[0];
    }

    private void Write(string relative, string content)
    {
        var path = _temp.Combine(relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
    }

    private List<Snap> Snapshots(string app)
    {
        using var doc = JsonDocument.Parse(Cli.RunChecked("snapshots", app, "--json").Stdout);
        return doc.RootElement[0].GetProperty("snapshots").EnumerateArray()
            .Select(s => new Snap(s.GetProperty("id").GetString()!, s.GetProperty("short_id").GetString()!, s.GetProperty("time").GetDateTimeOffset()))
            .OrderBy(s => s.Time).ToList();
    }

    /// <summary>Runs a command that must fail, and returns its one line on stderr.</summary>
    private string Fails(params string[] args)
    {
        var r = Cli.Run(args);
        Assert.True(r.ExitCode == 1, $"exit {r.ExitCode}\nstdout: {r.Stdout}\nstderr: {r.Stderr}");
        Assert.DoesNotContain("   at ", r.Stderr);
        return r.Stderr.TrimEnd('\n');
    }

    [Fact]
    public void DumpLatestPath_ReadsTheLatestOfTheAppThatHoldsThePath()
    {
        // the README's quick start: the repository's newest snapshot is plex's, but latest means sonarr's here
        var r = Cli.RunChecked("dump", "latest", SonarrXml);
        Assert.Equal("<sonarr v2/>", r.Stdout);
        Assert.Equal($"sonarr: snapshot {_sonarrNew.Described}\n", r.Stderr);

        Assert.Equal("<sonarr v2/>", Cli.RunChecked("dump", "sonarr", SonarrXml).Stdout);
        Assert.Equal("<sonarr v1/>", Cli.RunChecked("dump", "sonarr", "--snapshot", _sonarrOld.ShortId, SonarrXml).Stdout);
        Assert.Equal("<sonarr v1/>", Cli.RunChecked("dump", "sonarr", "--at", _between, SonarrXml).Stdout);
        Assert.Equal("<sonarr v1/>", Cli.RunChecked("dump", "latest", "--at", _between, SonarrXml).Stdout);
        Assert.Equal("<sonarr v1/>", Cli.RunChecked("dump", _sonarrOld.ShortId, SonarrXml).Stdout);
        Assert.Equal("<sonarr v2/>", Cli.RunChecked("dump", "sonarr", "--at", "now", SonarrXml).Stdout);
        Assert.Equal("<sonarr v2/>", Cli.RunChecked("dump", "sonarr", "--at", "today", SonarrXml).Stdout);
    }

    [Fact]
    public void DumpErrors_NameTheSnapshotAndAppAndTheFormThatWorks()
    {
        Assert.Equal($"Fatal: {SonarrXml} is not inside the paths of app plex ({Plex}); it is app sonarr's: `lifeboat dump sonarr {SonarrXml}`",
            Fails("dump", "plex", SonarrXml));
        Assert.Equal($"Fatal: {Sonarr}/missing.xml is not in snapshot {_sonarrNew.Described} of app sonarr; see what {Sonarr} holds: " +
                     $"`lifeboat ls sonarr --snapshot {_sonarrNew.ShortId} {Sonarr}`, or other snapshots: `lifeboat snapshots sonarr`",
            Fails("dump", "latest", Sonarr + "/missing.xml"));
        Assert.Equal($"Fatal: /etc/hosts is not inside the paths of any app in {ConfigPath} (plex: {Plex}; sonarr: {Sonarr}; radarr: {_temp.Combine("mnt/projects/radarr/config")}): " +
                     "`latest` is an app's latest; name the app: `lifeboat dump APP PATH`",
            Fails("dump", "latest", "/etc/hosts"));
        Assert.Equal($"Fatal: \"sonar\" is neither an app in {ConfigPath} nor a snapshot ID; known apps: plex, sonarr, radarr",
            Fails("dump", "sonar", SonarrXml));
        Assert.Equal($"Fatal: snapshot {_plex.ShortId} is not a snapshot of app sonarr; see `lifeboat snapshots sonarr`",
            Fails("dump", _plex.ShortId, SonarrXml));
        Assert.Equal($"Fatal: the snapshot is given twice ({_sonarrOld.ShortId} and --snapshot {_sonarrNew.ShortId}): `lifeboat dump APP --snapshot {_sonarrNew.ShortId} ...`",
            Fails("dump", _sonarrOld.ShortId, "--snapshot", _sonarrNew.ShortId, SonarrXml));
        Assert.StartsWith("Fatal: there is no snapshot of app sonarr at or before ", Fails("dump", "sonarr", "--at", "3 years ago", SonarrXml));
        // restore reads --at the same way: yesterday is the end of yesterday, before every snapshot here
        var endOfYesterday = new DateTimeOffset(DateTime.Today).AddTicks(-1);
        Assert.Equal($"Fatal: there is no snapshot of app sonarr at or before {endOfYesterday:yyyy-MM-dd HH:mm:ss zzz}; the oldest is of {_sonarrOld.Time.ToLocalTime():yyyy-MM-dd HH:mm:ss zzz}",
            Fails("restore", "sonarr", "--at", "yesterday", "--target", _temp.Combine("restored")));
        Assert.Equal("Fatal: --at \"next week\" is not a time: use 2026-11-28 (the end of that day), 2026-11-28T15:00 (local time), " +
                     "2026-11-28T15:00:00Z, yesterday, 3 days ago, 2 hours ago, last week or a weekday such as tuesday",
            Fails("dump", "sonarr", "--at", "next week", SonarrXml));
    }

    [Fact]
    public void Ls_ListsTheAppsSnapshot()
    {
        var r = Cli.RunChecked("ls", "latest", Sonarr);
        Assert.Equal($"{Sonarr}\n{Sonarr}/config.xml\n{Sonarr}/logs\n", r.Stdout);
        Assert.StartsWith($"sonarr: snapshot {_sonarrNew.ShortId} of [{Sonarr}] at ", r.Stderr);

        Assert.Equal($"{Sonarr}\n{Sonarr}/config.xml\n{Sonarr}/logs\n{Sonarr}/logs/sonarr.txt\n",
            Cli.RunChecked("ls", "sonarr", "--at", _between, "--recursive", Sonarr).Stdout);
        // no directory: the whole snapshot, the folders above the app's path included
        var whole = Cli.RunChecked("ls", "sonarr").Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal([.. whole.Where(l => l.StartsWith(Sonarr, StringComparison.Ordinal))], [Sonarr, Sonarr + "/config.xml", Sonarr + "/logs", Sonarr + "/logs/sonarr.txt"]);
        Assert.DoesNotContain(whole, l => l.StartsWith(Plex, StringComparison.Ordinal));

        Assert.Equal($"Fatal: {Sonarr}/nothing is not in snapshot {_sonarrNew.Described} of app sonarr; see what {Sonarr} holds: " +
                     $"`lifeboat ls sonarr --snapshot {_sonarrNew.ShortId} {Sonarr}`, or other snapshots: `lifeboat snapshots sonarr`",
            Fails("ls", "sonarr", Sonarr + "/nothing"));
        Assert.Equal($"Fatal: `latest` is an app's latest with {ConfigPath}: name the app, e.g. `lifeboat ls plex` (apps: plex, sonarr, radarr)",
            Fails("ls", "latest"));
        Assert.Equal($"Fatal: the paths are in several apps (plex, sonarr): read one app at a time, e.g. `lifeboat ls plex ...`",
            Fails("ls", "latest", Plex, Sonarr));
    }

    [Fact]
    public void Find_SearchesTheAppsSnapshotsOnly()
    {
        var r = Cli.RunChecked("find", "sonarr", "config.xml");
        // newest first, as restic 0.18's find
        Assert.Equal($"""
            Found matching entries in snapshot {_sonarrNew.ShortId} from {_sonarrNew.Time.ToLocalTime():yyyy-MM-dd HH:mm:ss}
            {SonarrXml}

            Found matching entries in snapshot {_sonarrOld.ShortId} from {_sonarrOld.Time.ToLocalTime():yyyy-MM-dd HH:mm:ss}
            {SonarrXml}

            """, r.Stdout);
        // a lone word is a pattern, as in restic: every snapshot is searched
        Assert.Contains($"Found matching entries in snapshot {_plex.ShortId}", Cli.RunChecked("find", "Preferences.xml").Stdout);
        Assert.Equal($"Fatal: `latest` is an app's latest with {ConfigPath}: name the app, e.g. `lifeboat find plex ...` (apps: plex, sonarr, radarr)",
            Fails("find", "--snapshot", "latest", "config.xml"));
    }

    [Fact]
    public void Diff_ComparesTheAppsTwoNewestSnapshots()
    {
        var r = Cli.RunChecked("diff", "sonarr");
        Assert.StartsWith($"""
            comparing snapshot {_sonarrOld.ShortId} to {_sonarrNew.ShortId}:

            M    {SonarrXml}

            Files:           0 new,     0 removed,     1 changed
            Dirs:            0 new,     0 removed
            Others:          0 new,     0 removed
            Data Blobs:      1 new,     1 removed

            """, r.Stdout);
        Assert.Equal(r.Stdout, Cli.RunChecked("diff", "sonarr", _sonarrOld.ShortId).Stdout);
        Assert.Equal(r.Stdout, Cli.RunChecked("diff", "sonarr", _sonarrOld.ShortId, _sonarrNew.Id).Stdout);
        Assert.Equal($"Fatal: app plex has one snapshot ({_plex.Described}): there is nothing to compare it with yet", Fails("diff", "plex"));
        Assert.Equal($"Fatal: `latest` is an app's latest with {ConfigPath}: name the app, e.g. `lifeboat diff plex ...` (apps: plex, sonarr, radarr)",
            Fails("diff", _sonarrOld.ShortId, "latest"));
        Assert.Equal("Fatal: specify two snapshot IDs", Fails("diff", _sonarrOld.ShortId));
    }

    [Fact]
    public void Stats_CountsTheAppsSnapshots()
    {
        Assert.StartsWith("scanning...\nStats in restore-size mode:\nSnapshots processed:   2\n", Cli.RunChecked("stats", "sonarr").Stdout);
        Assert.StartsWith("scanning...\nStats in restore-size mode:\nSnapshots processed:   1\n", Cli.RunChecked("stats", "sonarr", "latest").Stdout);
        Assert.StartsWith("scanning...\nStats in restore-size mode:\nSnapshots processed:   3\n", Cli.RunChecked("stats").Stdout);
        Assert.Equal($"Fatal: `latest` is an app's latest with {ConfigPath}: name the app, e.g. `lifeboat stats plex ...` (apps: plex, sonarr, radarr)",
            Fails("stats", "latest"));
    }

    [Fact]
    public void WithRepositoryGiven_TheResticFormsAreUnchanged()
    {
        var restic = new LifeboatCli(_temp.Combine("backup/repo")).With("RESTIC_PASSWORD_FILE", _temp.Combine("etc/password")).With("LIFEBOAT_CONFIG", ConfigPath);
        // restic's latest: the newest snapshot of the repository, plex's
        var r = restic.Run("dump", "latest", SonarrXml);
        Assert.Equal(1, r.ExitCode);
        Assert.Equal($"Fatal: cannot dump file: path \"{SonarrXml}\" not found in snapshot\n", r.Stderr);
        Assert.Equal("<sonarr v2/>", restic.RunChecked("dump", _sonarrNew.ShortId, SonarrXml).Stdout);
        var at = restic.Run("ls", "latest", "--at", "yesterday");
        Assert.Equal("Fatal: --at needs a lifeboat.yaml (stack mode): `lifeboat ls APP --at ...` without -r\n", at.Stderr);
    }

    [Fact]
    public void Help_ShowsTheStackForm()
    {
        foreach (var (command, example) in new[]
                 {
                     ("dump", "lifeboat dump sonarr --at yesterday"), ("ls", "lifeboat ls sonarr --at \"3 days ago\""),
                     ("find", "lifeboat find sonarr config.xml"), ("diff", "lifeboat diff sonarr"), ("stats", "lifeboat stats sonarr latest"),
                 })
        {
            var help = new LifeboatCli().Run(command, "--help").Stdout;
            Assert.Contains("With a lifeboat.yaml (stack mode, no -r):", help);
            Assert.Contains("Example: " + example, help);
        }
    }

    public void Dispose() => _temp.Dispose();
}
