namespace Lifeboat.TestSupport;

/// <summary>Test content and tree copies shared by the suites.</summary>
public static class TestData
{
    /// <summary><paramref name="length"/> pseudo-random bytes, the same for the same seed (incompressible, deduplicable by seed).</summary>
    public static byte[] SeededBytes(int seed, int length)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    /// <summary>cp -a: an expected tree that keeps the modes, owners, times and xattrs a backup saw.</summary>
    public static void CopyTree(string from, string to)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(to.TrimEnd('/'))!);
        var r = ProcessRunner.Run("cp", ["-a", from, to]);
        if (r.ExitCode != 0) throw new InvalidOperationException($"cp -a {from} {to}: {r.Stderr}");
    }
}
