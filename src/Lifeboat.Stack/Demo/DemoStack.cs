using System.Text;
using Microsoft.Data.Sqlite;

namespace Lifeboat.Stack.Demo;

/// <summary>
/// The built-in sample stack of `lifeboat demo`: three apps' state and their lifeboat.yaml. In the stack layer, not the
/// command line, so that tests (and a future dashboard demo) can make the same stack.
/// </summary>
public static class DemoStack
{
    /// <summary>The demo's lifeboat.yaml for the stack under <paramref name="stack"/> (repository and password beside it).</summary>
    public static string Config(string stack) => $"""
        # The demo stack: versioned with the stack, never holding a secret.
        repository: ./repository
        password-file: ./password
        host: media-vm
        apps:
          plex:
            paths: [{stack}/plex]
            exclude: ["Cache", "**/Crash Reports"]
          jellyfin:
            paths: [{stack}/jellyfin]
            consistency: sqlite     # live databases are copied with SQLite's online backup
          sonarr:
            paths: [{stack}/sonarr]
            consistency: sqlite
        retention:
          keep-daily: 7
          keep-weekly: 4
          keep-monthly: 12
        doctor:
          backup-max-age: 26h
          restore-test-max-age: 30d

        """;

    /// <summary>
    /// Writes a small, deterministic slice of a media server's application state under <paramref name="stack"/> (plex,
    /// jellyfin, sonarr, with real SQLite databases in WAL mode); returns the number of files written.
    /// </summary>
    public static int WriteData(string stack)
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
        void Database(string rel, string table, int rows)
        {
            var path = Path.Combine(stack, rel);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            using (var db = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString()))
            {
                db.Open();
                using var create = db.CreateCommand();
                create.CommandText = $"PRAGMA journal_mode=WAL; CREATE TABLE {table}(id INTEGER PRIMARY KEY, title TEXT, added TEXT, blob BLOB);";
                create.ExecuteNonQuery();
                using var tx = db.BeginTransaction();
                using var insert = db.CreateCommand();
                insert.CommandText = $"INSERT INTO {table}(title, added, blob) VALUES ($t, $a, $b)";
                var t = insert.Parameters.Add("$t", SqliteType.Text);
                var a = insert.Parameters.Add("$a", SqliteType.Text);
                var b = insert.Parameters.Add("$b", SqliteType.Blob);
                for (int i = 0; i < rows; i++)
                {
                    t.Value = $"{table} item {i}";
                    a.Value = new DateTime(2020, 1, 1).AddHours(i * 7).ToString("O");
                    b.Value = Random(200 + rnd.Next(800));
                    insert.ExecuteNonQuery();
                }
                tx.Commit();
            }
            count++;
        }

        Write("sonarr/config/config.xml", Text("<Config>\n  <Port>8989</Port>\n  <UrlBase></UrlBase>\n  <ApiKey>0123456789abcdef</ApiKey>\n  <LogLevel>info</LogLevel>\n</Config>\n"));
        Database("sonarr/config/sonarr.db", "Series", 800);
        Write("sonarr/config/logs/sonarr.txt", Text(string.Concat(Enumerable.Range(0, 400).Select(i => $"2026-11-2{i % 7} 03:{i % 60:00}:00|Info|RssSync|Checked {i} releases\n"))));
        Write("jellyfin/config/system.xml", Text("<ServerConfiguration><EnableMetrics>false</EnableMetrics></ServerConfiguration>\n"));
        Database("jellyfin/data/library.db", "BaseItems", 2000);
        for (int i = 0; i < 40; i++)
        {
            Write($"plex/Library/Metadata/Movies/{i:x2}/Info.xml", Text($"<MediaContainer><Video title=\"Movie {i}\" year=\"{1990 + i}\" rating=\"{i % 10}\"/></MediaContainer>\n"));
            Write($"plex/Library/Metadata/Movies/{i:x2}/poster.jpg", Random(8_000 + rnd.Next(30_000)));
        }
        Database("plex/Library/Plug-in Support/Databases/com.plexapp.plugins.library.db", "metadata_items", 3000);
        Write("plex/Cache/PhotoTranscoder/ab/abcdef.jpg", Random(50_000));
        Write("plex/Preferences.xml", Text("<Preferences FriendlyName=\"media-vm\" TranscoderTempDirectory=\"/transcode\"/>\n"));
        return count;
    }
}
