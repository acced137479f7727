using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Lifeboat.TestSupport;

namespace Lifeboat.Cli.Tests;

/// <summary>check limited to chosen snapshots (restic 0.19) and check --json (restic 0.18), against a damaged blob of one snapshot.</summary>
public class CheckSelectionJsonCliTests : CliTestBase
{
    private const string DamagedContent = "bravo bravo bravo";

    /// <summary>Two snapshots, tagged a and b, whose data are in packs of their own; b's one blob damaged. Returns the damaged pack.</summary>
    private (string SnapshotA, string Pack) TwoSnapshots_TheSecondDamaged()
    {
        Cli.RunChecked("init");
        WriteFile("a/a.txt", "alpha alpha alpha");
        WriteFile("b/b.txt", DamagedContent);
        Cli.RunChecked("backup", Path.Combine(Source, "a"), "--tag", "a");
        Cli.RunChecked("backup", Path.Combine(Source, "b"), "--tag", "b");
        var snapshotA = JsonDocument.Parse(Cli.RunChecked("snapshots", "--json", "--tag", "a").Stdout).RootElement[0].GetProperty("id").GetString()!;
        using var restic = new Restic(Repo, Password);
        var blobId = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(DamagedContent)));
        foreach (var index in restic.RunChecked("list", "index").Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            foreach (var pack in JsonDocument.Parse(restic.RunChecked("cat", "index", index).Stdout).RootElement.GetProperty("packs").EnumerateArray())
                foreach (var blob in pack.GetProperty("blobs").EnumerateArray())
                    if (blob.GetProperty("id").GetString() == blobId)
                    {
                        var id = pack.GetProperty("id").GetString()!;
                        var path = Path.Combine(Repo, "data", id[..2], id);
                        File.SetAttributes(path, FileAttributes.Normal);
                        var bytes = File.ReadAllBytes(path);
                        bytes[blob.GetProperty("offset").GetInt32() + 20] ^= 0x55;
                        File.WriteAllBytes(path, bytes);
                        return (snapshotA, id);
                    }
        throw new InvalidOperationException("the damaged file's blob is in no index");
    }

    [Fact]
    public void ReadData_OfTheChosenSnapshots_ReadsOnlyTheirPacks()
    {
        var (snapshotA, pack) = TwoSnapshots_TheSecondDamaged();

        var all = Cli.Run("check", "--read-data");
        Assert.Equal(1, all.ExitCode);
        Assert.Contains(pack, all.Stderr);
        Assert.Contains($"restic repair packs {pack}", all.Stderr);

        var byTag = Cli.Run("check", "--read-data", "--tag", "a");
        Assert.True(byTag.ExitCode == 0, byTag.Stdout + byTag.Stderr);
        Assert.Contains("read all filtered data", byTag.Stdout);
        Assert.Contains("no errors were found", byTag.Stdout);
        var byId = Cli.Run("check", "--read-data", snapshotA[..8]);
        Assert.True(byId.ExitCode == 0, byId.Stdout + byId.Stderr);

        var other = Cli.Run("check", "--read-data", "--tag", "b");
        Assert.Equal(1, other.ExitCode);
        Assert.Contains(pack, other.Stderr);

        // the other snapshot's blobs are not "unused" because it was not chosen
        var unused = Cli.Run("check", "--check-unused", "--tag", "a");
        Assert.True(unused.ExitCode == 0, unused.Stdout + unused.Stderr);
        Assert.DoesNotContain("unused blob", unused.Stdout + unused.Stderr);
    }

    [Fact]
    public void Json_ASoundRepository_OneSummaryLine_Exit0()
    {
        Cli.RunChecked("init");
        WriteFile("a.txt", "alpha");
        Cli.RunChecked("backup", Source);

        var r = Cli.Run("check", "--read-data", "--json");

        Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
        var summary = JsonDocument.Parse(Assert.Single(r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))).RootElement;
        Assert.Equal("summary", summary.GetProperty("message_type").GetString());
        Assert.Equal(0, summary.GetProperty("num_errors").GetInt32());
        Assert.Equal(JsonValueKind.Null, summary.GetProperty("broken_packs").ValueKind);
        Assert.False(summary.GetProperty("suggest_repair_index").GetBoolean());
        Assert.False(summary.GetProperty("suggest_prune").GetBoolean());
        Assert.Equal("", r.Stderr);
    }

    [Fact]
    public void Json_ADamagedPack_ErrorLinesOnStderr_TheSummaryNamesIt_Exit1()
    {
        var (_, pack) = TwoSnapshots_TheSecondDamaged();

        var r = Cli.Run("check", "--read-data", "--json");

        Assert.Equal(1, r.ExitCode);
        var summary = JsonDocument.Parse(Assert.Single(r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))).RootElement;
        Assert.True(summary.GetProperty("num_errors").GetInt32() >= 1);
        Assert.Equal([pack], summary.GetProperty("broken_packs").EnumerateArray().Select(p => p.GetString()));
        var lines = r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Contains(lines, l => l.GetProperty("message_type").GetString() == "error" && l.GetProperty("message").GetString()!.Contains(pack));
        var exit = lines[^1];
        Assert.Equal("exit_error", exit.GetProperty("message_type").GetString());
        Assert.Equal(1, exit.GetProperty("code").GetInt32());
        Assert.Equal("Fatal: repository contains errors", exit.GetProperty("message").GetString());
    }
}
