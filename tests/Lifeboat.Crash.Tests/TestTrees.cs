using Lifeboat.TestSupport;

namespace Lifeboat.Crash.Tests;

/// <summary>Small random trees for the series, and the changes that give each run new data to write.</summary>
public static class TestTrees
{
    /// <summary>A few directories of small files and a few larger ones, about <paramref name="bytes"/> in all.</summary>
    public static void Generate(string root, Random random, int files = 60, int bytes = 2 << 20)
    {
        Directory.CreateDirectory(root);
        for (int i = 0; i < files; i++)
        {
            var dir = Path.Combine(root, $"d{random.Next(6)}", random.Next(3) == 0 ? $"sub{random.Next(3)}" : "");
            Directory.CreateDirectory(dir);
            int size = i % 10 == 0 ? bytes / 10 : random.Next(bytes / files / 2);
            WriteRandom(Path.Combine(dir, $"f{i}.bin"), random, size);
        }
    }

    /// <summary>Rewrites, adds and removes a few files: every backup after it has new data to store.</summary>
    public static void Mutate(string root, Random random, int changes = 6)
    {
        var files = Directory.GetFiles(root, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();
        for (int i = 0; i < changes && files.Count > 0; i++)
        {
            var file = files[random.Next(files.Count)];
            switch (random.Next(3))
            {
                case 0:
                    File.Delete(file);
                    files.Remove(file);
                    break;
                default:
                    WriteRandom(file, random, random.Next(64 << 10));
                    break;
            }
        }
        WriteRandom(Path.Combine(root, $"d{random.Next(6)}", $"new-{Guid.NewGuid():N}.bin"), random, 128 << 10);
    }

    public static void WriteRandom(string path, Random random, int size)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var data = new byte[size];
        random.NextBytes(data);
        File.WriteAllBytes(path, data);
    }

    /// <summary>The differences between two trees (content and metadata, not the roots' own), empty when the same.</summary>
    public static List<string> Differences(string expected, string actual) => TreeComparer.Compare(expected, actual);

    /// <summary>Throws unless the trees are the same.</summary>
    public static void RequireSame(string expected, string actual, string what)
    {
        var differences = Differences(expected, actual);
        if (differences.Count > 0)
            throw new CrashFailure($"{what}: {differences.Count} difference(s) between {expected} and {actual}: {string.Join("; ", differences.Take(10))}");
    }
}
