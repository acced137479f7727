using System.CommandLine;
using System.Text;
using Lifeboat.Cli.Rendering;
using Lifeboat.Engine.Backup;
using Lifeboat.Engine.Platform;
using Lifeboat.Engine.Repository;
using Lifeboat.Engine.Restore;
using Lifeboat.Engine.Storage;

namespace Lifeboat.Cli.Commands;

/// <summary>
/// Lifeboat's main job on a built-in sample: make a small media-server stack's state, back it up into a
/// local repository, break a config, restore it from the snapshot and show that it is whole again.
/// </summary>
public sealed class DemoCommand : ICommandFactory
{
    private const string DemoPassword = "lifeboat-demo";

    public Command Create(GlobalOptions global)
    {
        var dir = new Option<string?>("--dir") { Description = "where to put the sample stack and repository (default: a new folder under /tmp)" };
        var command = new Command("demo", "Back up and restore a built-in sample stack, showing each step") { dir };
        command.SetAction((parse, ct) => Program.Run(async () =>
        {
            var root = parse.GetValue(dir) ?? Path.Combine(Path.GetTempPath(), "lifeboat-demo-" + DateTime.Now.ToString("yyyyMMdd-HHmmss"));
            Directory.CreateDirectory(root);
            var stack = Path.Combine(root, "stack");
            var repoPath = Path.Combine(root, "repository");
            if (Directory.Exists(stack) || Directory.Exists(repoPath)) throw new CliException($"{root} already holds a demo; choose another --dir");
            var o = Console.Out;
            o.WriteLine($"Lifeboat demo in {root}");
            o.WriteLine();

            int files = MakeSampleStack(stack);
            o.WriteLine($"1. A sample stack: {files} files of Plex, Jellyfin and Sonarr state under {stack}");

            using var backend = new LocalBackend(repoPath);
            await using (var init = await Repository.InitAsync(backend, DemoPassword, 2, new RepositoryOptions(), cancellationToken: ct)) { }
            o.WriteLine($"2. A new restic repository (version 2, zstd) at {repoPath}");

            await using var repo = await Repository.OpenAsync(backend, DemoPassword, new RepositoryOptions(), ct);
            await repo.LoadIndexAsync(ct);
            var first = await new Archiver(repo, new BackupOptions { Paths = [stack], Hostname = "media-vm", Tags = ["demo"] }).RunAsync(ct);
            o.WriteLine($"3. Backup: snapshot {first.SnapshotId!.Value.ToShortString()}, {first.Statistics.FilesNew} files, {Format.Bytes(first.Statistics.BytesDone)} read, {Format.Bytes(first.Statistics.DataAdded)} added, in {first.Duration.TotalSeconds:0.00} s");

            var config = Path.Combine(stack, "sonarr", "config.xml");
            var good = File.ReadAllText(config);
            File.WriteAllText(config, "<Config><ApiKey>oops</ApiKey>");
            var second = await new Archiver(repo, new BackupOptions { Paths = [stack], Hostname = "media-vm", Tags = ["demo"] }).RunAsync(ct);
            o.WriteLine($"4. Sonarr's config.xml is broken by a bad edit; the nightly backup runs anyway: snapshot {second.SnapshotId!.Value.ToShortString()}, {second.Statistics.FilesUnmodified} files unchanged (skipped by metadata), {second.Statistics.FilesChanged} changed, {Format.Bytes(second.Statistics.DataAdded)} added");

            var scratch = Path.Combine(root, "restore");
            var restorer = new Restorer(repo, new RestoreOptions { Target = scratch, Includes = ["sonarr/config.xml"] });
            await restorer.RunAsync(first.Snapshot.Tree, ct);
            var restored = Directory.EnumerateFiles(scratch, "config.xml", SearchOption.AllDirectories).Single(p => p.Contains("sonarr"));
            File.Copy(restored, config, overwrite: true);
            var st = Posix.LStat(restored);
            Posix.SetTimes(config, st.AccessTime, st.ModTime);
            bool same = File.ReadAllText(config) == good;
            o.WriteLine($"5. Restore of that one file from snapshot {first.SnapshotId.Value.ToShortString()} (the last good one) put it back: {(same ? "content identical to before the edit" : "CONTENT DIFFERS")}");

            var snapshots = await repo.ListSnapshotsAsync(ct);
            o.WriteLine();
            o.WriteLine($"The repository holds {snapshots.Count} snapshots:");
            foreach (var s in snapshots) o.WriteLine($"  {s.Id.ToShortString()}  {s.Time.ToDateTimeOffset().ToLocalTime():yyyy-MM-dd HH:mm:ss}  {s.Hostname}  [{string.Join(",", s.Tags ?? [])}]  {string.Join(" ", s.Paths ?? [])}");
            o.WriteLine();
            o.WriteLine("Stock restic reads the same repository:");
            o.WriteLine($"  RESTIC_PASSWORD={DemoPassword} restic -r {repoPath} snapshots");
            o.WriteLine($"  RESTIC_PASSWORD={DemoPassword} ./lifeboat -r {repoPath} ls latest");
            return same ? ExitCodes.Ok : ExitCodes.Fatal;
        }, ct));
        return command;
    }

    /// <summary>A small, deterministic slice of a media server's application state.</summary>
    private static int MakeSampleStack(string stack)
    {
        var rnd = new Random(42);
        int count = 0;
        void Write(string rel, byte[] data)
        {
            var path = Path.Combine(stack, rel);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllBytes(path, data);
            count++;
        }
        byte[] Text(string s) => Encoding.UTF8.GetBytes(s);
        byte[] Random(int n) { var b = new byte[n]; rnd.NextBytes(b); return b; }

        Write("sonarr/config.xml", Text("<Config>\n  <Port>8989</Port>\n  <UrlBase></UrlBase>\n  <ApiKey>0123456789abcdef</ApiKey>\n  <LogLevel>info</LogLevel>\n</Config>\n"));
        Write("sonarr/sonarr.db", Random(300_000));
        Write("jellyfin/config/system.xml", Text("<ServerConfiguration><EnableMetrics>false</EnableMetrics></ServerConfiguration>\n"));
        Write("jellyfin/config/data/library.db", Random(900_000));
        for (int i = 0; i < 40; i++)
        {
            Write($"plex/Library/Metadata/Movies/{i:x2}/Info.xml", Text($"<MediaContainer><Video title=\"Movie {i}\" year=\"{1990 + i}\" rating=\"{i % 10}\"/></MediaContainer>\n"));
            Write($"plex/Library/Metadata/Movies/{i:x2}/poster.jpg", Random(8_000 + rnd.Next(30_000)));
        }
        Write("plex/Library/Plug-in Support/Databases/com.plexapp.plugins.library.db", Random(2_000_000));
        Write("plex/Preferences.xml", Text("<Preferences FriendlyName=\"media-vm\" TranscoderTempDirectory=\"/transcode\"/>\n"));
        return count;
    }
}
