using System.Text;
using Lifeboat.TestSupport;

namespace Lifeboat.Cli.Tests;

/// <summary>
/// What Lifeboat keeps (every blob and snapshot of the repository, decrypted by restic, and the state database with
/// its run logs) never holds the stack's password, through backups with a hook and a dump, verify and doctor
/// (issue 16). The CLI's outputs are scanned by <see cref="SecretScan"/> already; this scans what is stored.
/// </summary>
public sealed class SecretsAtRestTests : IDisposable
{
    private readonly TempDirectory _temp = new("lifeboat-secrets-at-rest");
    private const string RepositoryPassword = "repository password 7d1e0c9a";

    [Fact]
    public void No_blob_snapshot_or_state_record_holds_a_secret_of_the_stack()
    {
        Directory.CreateDirectory(_temp.Combine("srv/app"));
        Directory.CreateDirectory(_temp.Combine("etc"));
        File.WriteAllText(_temp.Combine("srv/app/config.json"), "{\"setting\": 1}");
        File.WriteAllText(_temp.Combine("etc/password"), RepositoryPassword);
        var config = _temp.Combine("etc/lifeboat.yaml");
        File.WriteAllText(config, $"""
            repository: {_temp.Combine("backup/repo")}
            password-file: {_temp.Combine("etc/password")}
            host: secrets-host
            apps:
              app:
                paths: [{_temp.Combine("srv/app")}]
                hooks:
                  backup:
                    before: ["echo the hook ran"]
                dumps:
                  - kind: command
                    name: state
                    command: [sh, -c, "echo state of the app"]
            """);
        var state = _temp.Combine("state");
        var cli = new LifeboatCli().With("LIFEBOAT_CONFIG", config).With("LIFEBOAT_STATE_DIR", state);
        cli.RunChecked("init");
        cli.RunChecked("backup");
        File.WriteAllText(_temp.Combine("srv/app/config.json"), "{\"setting\": 2}");
        cli.RunChecked("backup");
        cli.RunChecked("verify");
        cli.Run("doctor");

        var environment = new Dictionary<string, string?> { ["LIFEBOAT_CONFIG"] = config, ["RESTIC_PASSWORD"] = RepositoryPassword };
        var restic = new Restic(_temp.Combine("backup/repo"), RepositoryPassword, useCache: false);
        int scanned = 0;
        foreach (var id in restic.RunChecked("list", "snapshots").Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            SecretScan.CheckText(environment, null, $"snapshot {id} holds", restic.RunChecked("cat", "snapshot", id).Stdout);
            scanned++;
        }
        foreach (var line in restic.RunChecked("list", "blobs").Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = line.Split(' ');
            var blob = restic.Run("cat", "blob", parts[1]);
            Assert.True(blob.ExitCode == 0, blob.Stderr);
            SecretScan.CheckText(environment, null, $"{parts[0]} blob {parts[1]} holds", Encoding.Latin1.GetString(blob.StdoutBytes));
            scanned++;
        }
        foreach (var file in Directory.EnumerateFiles(state, "*", SearchOption.AllDirectories))
        {
            SecretScan.CheckText(environment, null, $"the state file {file} holds", Encoding.Latin1.GetString(File.ReadAllBytes(file)));
            scanned++;
        }
        Assert.True(scanned > 6, $"only {scanned} objects scanned");
    }

    public void Dispose() => _temp.Dispose();
}
