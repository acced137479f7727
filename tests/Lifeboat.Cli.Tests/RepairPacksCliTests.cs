using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Lifeboat.TestSupport;

namespace Lifeboat.Cli.Tests;

/// <summary>repair packs end to end: a pack with one damaged blob is salvaged, and with repair snapshots restic 0.14 accepts the result.</summary>
public class RepairPacksCliTests : CliTestBase
{
    [Fact]
    public void ADamagedBlob_IsCutOut_TheRestOfItsPackSalvaged_AndResticChecksAndRestoresTheResult()
    {
        WriteFile("a.txt", "alpha alpha alpha");
        WriteFile("dir/b.txt", "bravo bravo bravo");
        Cli.RunChecked("init");
        Cli.RunChecked("backup", Source);
        using var restic = new Restic(Repo, Password);
        var lostBlob = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes("alpha alpha alpha")));
        var (packId, offset) = Locate(restic, lostBlob);
        var packPath = Path.Combine(Repo, "data", packId[..2], packId);
        File.SetAttributes(packPath, FileAttributes.Normal);
        var bytes = File.ReadAllBytes(packPath);
        bytes[offset + 20] ^= 0x55;
        File.WriteAllBytes(packPath, bytes);

        var check = Cli.Run("check", "--read-data");
        Assert.Equal(1, check.ExitCode);
        Assert.Contains(packId, check.Stderr);

        var workDir = Temp.Combine("work");
        Directory.CreateDirectory(workDir);
        var repair = Cli.Run(["repair", "packs", packId], workingDirectory: workDir);
        Assert.True(repair.ExitCode == 0, repair.Stdout + repair.Stderr);
        Assert.Contains("salvaging intact data from specified pack files", repair.Stdout);
        Assert.Contains($"failed to load blob {lostBlob}", repair.Stderr);
        Assert.Contains("restic repair snapshots --forget", repair.Stdout);
        Assert.Equal(bytes, File.ReadAllBytes(Path.Combine(workDir, "pack-" + packId)));
        Assert.False(File.Exists(packPath));
        AssertNoStackTrace(repair);

        var snapshots = Cli.RunChecked("repair", "snapshots", "--forget");
        Assert.Contains("a.txt\": removed missing content", snapshots.Stdout);
        var resticCheck = restic.Run("check", "--read-data");
        Assert.True(resticCheck.ExitCode == 0, resticCheck.Stdout + resticCheck.Stderr);
        var target = Temp.Combine("restored");
        restic.RunChecked("restore", "latest", "--target", target);
        Assert.Equal(0, new FileInfo(target + Source + "/a.txt").Length);
        Assert.Equal("bravo bravo bravo", File.ReadAllText(target + Source + "/dir/b.txt"));
    }

    [Fact]
    public void NoIdsOrAnUnknownPack_FailsWithoutChangingTheRepository()
    {
        Cli.RunChecked("init");
        var none = Cli.Run("repair", "packs");
        Assert.Equal(1, none.ExitCode);
        Assert.Contains("no ids specified", none.Stderr);
        var workDir = Temp.Combine("work");
        Directory.CreateDirectory(workDir);
        var unknown = Cli.Run(["repair", "packs", new string('a', 64)], workingDirectory: workDir);
        Assert.Equal(1, unknown.ExitCode);
        Assert.Contains("does not exist", unknown.Stderr);
        Assert.Empty(Directory.GetFiles(workDir));
    }

    /// <summary>The pack holding a blob and the blob's offset in it, as restic's index says.</summary>
    private static (string PackId, int Offset) Locate(Restic restic, string blobId)
    {
        foreach (var index in restic.RunChecked("list", "index").Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            foreach (var pack in JsonDocument.Parse(restic.RunChecked("cat", "index", index).Stdout).RootElement.GetProperty("packs").EnumerateArray())
                foreach (var blob in pack.GetProperty("blobs").EnumerateArray())
                    if (blob.GetProperty("id").GetString() == blobId)
                        return (pack.GetProperty("id").GetString()!, blob.GetProperty("offset").GetInt32());
        throw new InvalidOperationException($"blob {blobId} is in no index");
    }
}
