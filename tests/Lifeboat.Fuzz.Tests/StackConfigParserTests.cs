using System.Text;
using Lifeboat.Stack;
using Lifeboat.Stack.Configuration;

namespace Lifeboat.Fuzz.Tests;

/// <summary>lifeboat.yaml as a user may mistype it or an attacker with write access to it may craft it.</summary>
public sealed class StackConfigParserTests(ITestOutputHelper output)
{
    // YamlDotNet's representation model keeps every node, with its position, as objects
    private readonly ParserProperty _property = new(output, "lifeboat.yaml") { AllocationPerInputByte = 1024, FixedAllocation = 4 << 20 };

    private static void Parse(byte[] yaml) => StackConfigParser.Parse(Encoding.UTF8.GetString(yaml), "lifeboat.yaml", "/srv/stack", "host");

    private static bool IsClear(Exception e) => e is StackException;

    [Fact]
    public void RandomBytes_AreRefusedClearly() =>
        _property.Holds("random bytes", HostileBytes.Random(), 1_000, Parse, IsClear);

    [Fact]
    public void RandomYamlText_IsParsedOrRefusedClearly() =>
        _property.Holds("random YAML-like text", HostileBytes.RandomText(HostileBytes.YamlAlphabet, 1024), 1_000, Parse, IsClear);

    [Fact]
    public void MutatedConfigs_AreParsedOrRefusedClearly() =>
        _property.Holds("mutated valid files", HostileBytes.MutatedText(Seeds.StackConfigs), 1_000, Parse, IsClear);

    [Fact]
    public void ValidConfigs_Parse() =>
        _property.Holds("valid files", HostileBytes.OneOf(Seeds.StackConfigs), 50, Parse, _ => false);
}
