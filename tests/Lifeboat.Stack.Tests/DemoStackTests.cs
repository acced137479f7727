using Lifeboat.Stack.Configuration;
using Lifeboat.Stack.Demo;
using Lifeboat.TestSupport;
using Microsoft.Data.Sqlite;

namespace Lifeboat.Stack.Tests;

public sealed class DemoStackTests : IDisposable
{
    private readonly TempDirectory _temp = new("lifeboat-demo-stack");

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void The_demo_stack_is_deterministic_and_its_config_loads()
    {
        var first = _temp.Combine("a");
        var second = _temp.Combine("b");
        int files = DemoStack.WriteData(first);
        Assert.Equal(files, DemoStack.WriteData(second));
        var xml = "plex/Library/Metadata/Movies/07/poster.jpg";
        Assert.Equal(File.ReadAllBytes(Path.Combine(first, xml)), File.ReadAllBytes(Path.Combine(second, xml)));

        using (var db = new SqliteConnection($"Data Source={Path.Combine(first, "sonarr/config/sonarr.db")};Pooling=False"))
        {
            db.Open();
            using var count = db.CreateCommand();
            count.CommandText = "SELECT count(*) FROM Series";
            Assert.Equal(800L, count.ExecuteScalar());
        }

        var configFile = Path.Combine(first, "lifeboat.yaml");
        File.WriteAllText(configFile, DemoStack.Config(first));
        var config = StackConfigLoader.Load(configFile);
        Assert.Equal(["plex", "jellyfin", "sonarr"], config.Apps.Select(a => a.Name).ToArray());
    }
}
