using System.Diagnostics;
using System.Security.Cryptography;
using Lifeboat.Engine;
using Lifeboat.Engine.Repository;
using Lifeboat.Engine.Storage;

namespace Lifeboat.Interop.Tests;

public class RepositoryFormatTests
{
    private static (int, string) Restic(string repo, params string[] args)
    {
        var psi = new ProcessStartInfo("restic") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["RESTIC_REPOSITORY"] = repo;
        psi.Environment["RESTIC_PASSWORD"] = "pw";
        psi.ArgumentList.Add("--no-cache");
        using var p = Process.Start(psi)!;
        var o = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, o);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task PacksAndIndexPassResticCheck(int version)
    {
        var dir = Path.Combine(Path.GetTempPath(), "lb-" + Guid.NewGuid().ToString("n"));
        try
        {
            using var backend = new LocalBackend(dir);
            await using (var repo = await Repository.InitAsync(backend, "pw", version, new RepositoryOptions { PackSize = 4 << 20 }, (1024, 8, 1), cancellationToken: TestContext.Current.CancellationToken))
            {
                var rnd = new Random(1);
                for (int i = 0; i < 30; i++)
                {
                    var data = new byte[rnd.Next(1, 600_000)];
                    rnd.NextBytes(data);
                    Assert.True(await repo.SaveBlobAsync(BlobType.Data, Id.Hash(data), data, TestContext.Current.CancellationToken));
                    Assert.False(await repo.SaveBlobAsync(BlobType.Data, Id.Hash(data), data, TestContext.Current.CancellationToken));
                }
                await repo.FlushAsync(TestContext.Current.CancellationToken);
            }
            var (code, output) = Restic(dir, "check", "--read-data");
            Assert.True(code == 0, output);
            await using var reopened = await Repository.OpenAsync(backend, "pw", new RepositoryOptions(), TestContext.Current.CancellationToken);
            await reopened.LoadIndexAsync(TestContext.Current.CancellationToken);
            Assert.Equal(30, reopened.Index.Count);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
