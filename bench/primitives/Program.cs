using System.Diagnostics;
using System.Text;
using Lifeboat.Engine.Chunking;
using Lifeboat.Engine.Compression;
using Lifeboat.Engine.Crypto;
using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Crypto.Parameters;
using BcPoly1305 = Org.BouncyCastle.Crypto.Macs.Poly1305;
using BcSCrypt = Org.BouncyCastle.Crypto.Generators.SCrypt;

// The hot primitives' speeds on this machine, with BouncyCastle beside ours where it has the same primitive.
// Measurements, not tests (a speed print cannot fail): `bench/primitives/run`. A few seconds in all.

Console.WriteLine($"{Environment.ProcessorCount} cores, .NET {Environment.Version}");
Crypto();
Chunking();
Compression();
Scrypt();
return 0;

static double GigabytesPerSecond(long bytes, Action run, int repeats)
{
    // Warm up long enough for tiered JIT to promote the hot methods, as it has in a long backup.
    var warm = Stopwatch.StartNew();
    while (warm.ElapsedMilliseconds < 250) run();
    var watch = Stopwatch.StartNew();
    for (int i = 0; i < repeats; i++) run();
    return repeats * (double)bytes / watch.Elapsed.TotalSeconds / 1e9;
}

static byte[] RandomData(int length)
{
    var data = new byte[length];
    new Random(11).NextBytes(data);
    return data;
}

static byte[] TextData(int length)
{
    var builder = new StringBuilder();
    var random = new Random(7);
    string[] words = ["backup", "restic", "snapshot", "tree", "blob", "pack", "index", "lifeboat", "chunk", "the", "a", "of", "and"];
    while (builder.Length < length) builder.Append(words[random.Next(words.Length)]).Append(random.Next(10) == 0 ? ".\n" : " ");
    return Encoding.ASCII.GetBytes(builder.ToString(0, length));
}

static void Crypto()
{
    var key = CryptoKey.NewRandom();
    byte[] plaintext = RandomData(4 * 1024 * 1024);
    byte[] sealedData = new byte[plaintext.Length + CryptoKey.Overhead];
    byte[] opened = new byte[plaintext.Length];
    byte[] tag = new byte[16];
    byte[] nonce = new byte[16];
    nonce[0] = 1;
    Console.WriteLine($"seal (AES-256-CTR + Poly1305-AES): {GigabytesPerSecond(plaintext.Length, () => key.Seal(plaintext, sealedData), 20):F2} GB/s");
    Console.WriteLine($"open:                              {GigabytesPerSecond(plaintext.Length, () => key.Open(sealedData, opened), 20):F2} GB/s");
    if (!plaintext.AsSpan().SequenceEqual(opened)) throw new InvalidOperationException("open did not return what seal took");
    Console.WriteLine($"Poly1305-AES (ours):               {GigabytesPerSecond(plaintext.Length, () => key.ComputeMac(nonce, plaintext, tag), 20):F2} GB/s");
    var bc = new BcPoly1305(new AesEngine());
    Console.WriteLine($"Poly1305-AES (BouncyCastle):       {GigabytesPerSecond(plaintext.Length, () =>
    {
        bc.Init(new ParametersWithIV(new KeyParameter([.. key.MacR.ToArray(), .. key.MacK.ToArray()]), nonce));
        bc.BlockUpdate(plaintext, 0, plaintext.Length);
        bc.DoFinal(tag, 0);
    }, 5):F2} GB/s");
}

static void Chunking()
{
    byte[] data = RandomData(32 * 1024 * 1024);
    var chunker = new Chunker(new Polynomial(0x3DA3358B4DC173));
    long chunks = 0;
    double speed = GigabytesPerSecond(data.Length, () =>
    {
        chunker.Reset();
        for (int offset = 0; offset < data.Length; offset += 512 * 1024)
        {
            ReadOnlySpan<byte> piece = data.AsSpan(offset, Math.Min(512 * 1024, data.Length - offset));
            while (!piece.IsEmpty)
            {
                int cut = chunker.FindBoundary(piece, out _);
                if (cut < 0) break;
                chunks++;
                piece = piece[cut..];
            }
        }
    }, 3);
    Console.WriteLine($"chunker on 32 MiB of random data:  {speed * 1000:F0} MB/s (includes the skipped minimum-size prefixes)");
}

static void Compression()
{
    byte[] random = RandomData(8 * 1024 * 1024);
    byte[] text = TextData(8 * 1024 * 1024);
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
        Console.WriteLine($"zstd {name} level 3 on {kind}: compress {compress:F2} GB/s, decompress {decompress:F2} GB/s, ratio {(double)length / data.Length:F3}");
    }
}

static void Scrypt()
{
    byte[] password = "geheim"u8.ToArray();
    byte[] salt = new byte[64];
    for (int i = 0; i < 40; i++) KeyDerivation.Scrypt(password, salt, 1024, 8, 2, 64); // warm-up
    var watch = Stopwatch.StartNew();
    KeyDerivation.Scrypt(password, salt, 32768, 8, 9, 64);
    Console.WriteLine($"scrypt N=32768 r=8 p=9 (ours, {Environment.ProcessorCount} cores): {watch.Elapsed.TotalMilliseconds:F0} ms");
    watch.Restart();
    KeyDerivation.Scrypt(password, salt, 32768, 8, 1, 64);
    Console.WriteLine($"scrypt N=32768 r=8 p=1 (ours): {watch.Elapsed.TotalMilliseconds:F0} ms");
    watch.Restart();
    BcSCrypt.Generate(password, salt, 32768, 8, 1, 64);
    Console.WriteLine($"scrypt N=32768 r=8 p=1 (BouncyCastle): {watch.Elapsed.TotalMilliseconds:F0} ms (x9 for p=9)");
}
