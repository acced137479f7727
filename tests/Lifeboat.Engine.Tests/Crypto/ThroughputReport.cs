using System.Diagnostics;
using Lifeboat.Engine.Compression;
using Lifeboat.Engine.Crypto;
using Lifeboat.Engine.Tests.Compression;
using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Crypto.Parameters;
using BcPoly1305 = Org.BouncyCastle.Crypto.Macs.Poly1305;
using BcSCrypt = Org.BouncyCastle.Crypto.Generators.SCrypt;

namespace Lifeboat.Engine.Tests.Crypto;

/// <summary>Prints speeds of the hot primitives (run in Release with -showLiveOutput to read them). Kept to a few seconds.</summary>
[Trait("Category", "Measurement")]
public class ThroughputReport(ITestOutputHelper output)
{
    /// <summary>Debug builds run the engine unoptimised: numbers would mislead and scrypt alone takes ~18 s, so only Release measures.</summary>
    internal static void SkipUnlessOptimized()
    {
        var debuggable = typeof(CryptoKey).Assembly.GetCustomAttributes(typeof(DebuggableAttribute), false).OfType<DebuggableAttribute>().FirstOrDefault();
        Assert.SkipWhen(debuggable?.IsJITOptimizerDisabled == true, "measurements run only in Release (dotnet test -c Release)");
    }

    private static double GigabytesPerSecond(long bytes, Action run, int repeats)
    {
        // Warm up for a while so tiered JIT has promoted the hot methods, as it has in a long backup.
        var warm = Stopwatch.StartNew();
        while (warm.ElapsedMilliseconds < 250) run();
        var watch = Stopwatch.StartNew();
        for (int i = 0; i < repeats; i++) run();
        return repeats * (double)bytes / watch.Elapsed.TotalSeconds / 1e9;
    }

    [Fact]
    public void CryptoSpeeds()
    {
        SkipUnlessOptimized();
        var key = CryptoKey.NewRandom();
        byte[] plaintext = ZstdTests.RandomData(4 * 1024 * 1024);
        byte[] sealedData = new byte[plaintext.Length + CryptoKey.Overhead];
        byte[] opened = new byte[plaintext.Length];
        byte[] tag = new byte[16];
        byte[] nonce = new byte[16];
        nonce[0] = 1;

        output.WriteLine($"Seal:  {GigabytesPerSecond(plaintext.Length, () => key.Seal(plaintext, sealedData), 20):F2} GB/s");
        output.WriteLine($"Open:  {GigabytesPerSecond(plaintext.Length, () => key.Open(sealedData, opened), 20):F2} GB/s");
        output.WriteLine($"Poly1305-AES (ours): {GigabytesPerSecond(plaintext.Length, () => key.ComputeMac(nonce, plaintext, tag), 20):F2} GB/s");
        var bc = new BcPoly1305(new AesEngine());
        output.WriteLine($"Poly1305-AES (BouncyCastle): {GigabytesPerSecond(plaintext.Length, () =>
        {
            bc.Init(new ParametersWithIV(new KeyParameter([.. key.MacR.ToArray(), .. key.MacK.ToArray()]), nonce));
            bc.BlockUpdate(plaintext, 0, plaintext.Length);
            bc.DoFinal(tag, 0);
        }, 5):F2} GB/s");
        Assert.Equal(plaintext, opened);
    }

    [Fact]
    public void ScryptTime()
    {
        SkipUnlessOptimized();
        byte[] password = "geheim"u8.ToArray();
        byte[] salt = new byte[64];
        for (int i = 0; i < 40; i++) KeyDerivation.Scrypt(password, salt, 1024, 8, 2, 64); // warm-up
        var watch = Stopwatch.StartNew();
        KeyDerivation.Scrypt(password, salt, 32768, 8, 9, 64);
        output.WriteLine($"scrypt N=32768 r=8 p=9 (ours, {Environment.ProcessorCount} cores): {watch.Elapsed.TotalMilliseconds:F0} ms");
        watch.Restart();
        KeyDerivation.Scrypt(password, salt, 32768, 8, 1, 64);
        output.WriteLine($"scrypt N=32768 r=8 p=1 (ours): {watch.Elapsed.TotalMilliseconds:F0} ms");
        watch.Restart();
        BcSCrypt.Generate(password, salt, 32768, 8, 1, 64);
        output.WriteLine($"scrypt N=32768 r=8 p=1 (BouncyCastle): {watch.Elapsed.TotalMilliseconds:F0} ms (x9 for p=9)");
    }

    [Fact]
    public void ZstdSpeeds()
    {
        SkipUnlessOptimized();
        byte[] random = ZstdTests.RandomData(8 * 1024 * 1024);
        byte[] text = ZstdTests.TextData(8 * 1024 * 1024);
        var backends = new List<(string, ZstdBackend)> { ("managed", Zstd.ManagedBackend) };
        if (Zstd.NativeBackend is { } native) backends.Insert(0, ("native", native));
        byte[] frame = new byte[Zstd.CompressBound(random.Length)];
        byte[] decoded = new byte[random.Length];
        foreach (var (name, backend) in backends)
        foreach (var (kind, data) in new[] { ("random", random), ("text", text) })
        {
            int length = 0;
            double compress = GigabytesPerSecond(data.Length, () => length = backend.Compress(data, frame, Zstd.DefaultLevel), name == "native" ? 5 : 1);
            double decompress = GigabytesPerSecond(data.Length, () => backend.Decompress(frame.AsSpan(0, length), decoded), name == "native" ? 5 : 2);
            output.WriteLine($"zstd {name} level 3 on {kind}: compress {compress:F2} GB/s, decompress {decompress:F2} GB/s, ratio {(double)length / data.Length:F3}");
        }
    }
}
