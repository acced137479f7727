using Lifeboat.Stack.Configuration;
using Lifeboat.Stack.Containers;
using Lifeboat.Stack.Verification;
using Lifeboat.TestSupport;

namespace Lifeboat.Stack.Tests.Dumps;

/// <summary>The doctor's dumps item: each problem of an app's dumps named with its key and line, and a fix.</summary>
public sealed class DumpsCheckTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    private static AppConfig App(params DumpConfig[] dumps) => new() { Name = "immich", Paths = ["/srv/immich"], Dumps = dumps };

    private string PasswordFile(UnixFileMode mode)
    {
        var file = _temp.Combine($"{Guid.NewGuid():N}.password");
        File.WriteAllText(file, "pw\n");
        File.SetUnixFileMode(file, mode);
        return file;
    }

    private static readonly UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    [Fact]
    public void AnAppWithoutDumpsHasNoItem() => Assert.Null(DumpsCheck.Run(App(), null, "lifeboat.yaml", _ => true));

    [Fact]
    public void EverythingThereIsAPass()
    {
        var app = App(
            new DumpConfig { Kind = DumpKind.Postgres, Name = "postgres", Databases = ["immich"], PasswordFile = PasswordFile(Private), Line = 7 },
            new DumpConfig { Kind = DumpKind.MariaDb, Name = "mariadb", Container = "db", Databases = [], Line = 12 });
        var survey = new ContainerSurvey([new ContainerState("db", Exists: true, Running: true)], null);
        var item = DumpsCheck.Run(app, survey, "lifeboat.yaml", _ => true)!;
        Assert.Equal(DoctorStatus.Pass, item.Status);
        Assert.Equal(DoctorCheck.Dumps, item.Check);
        Assert.Equal("immich", item.Subject);
        Assert.True(item.IsPerApp);
        Assert.Equal("2 dumps (postgres dump \"postgres\", mariadb dump \"mariadb\" (container db)): the tools and containers are there", item.Reason);
    }

    [Fact]
    public void AMissingHostToolIsAFailAndAMissingLoadToolAWarning()
    {
        var dump = new DumpConfig { Kind = DumpKind.Postgres, Name = "postgres", Databases = ["immich"], Line = 7 };
        var item = DumpsCheck.Run(App(dump), null, "lifeboat.yaml", program => program == "psql")!;
        Assert.Equal(DoctorStatus.Fail, item.Status);
        Assert.Equal("apps.immich.dumps (line 7): pg_dump was not found in PATH; also apps.immich.dumps (line 7): pg_restore was not found in PATH: the backup works, but a restore of this dump needs it", item.Reason);
        Assert.StartsWith("install PostgreSQL's client tools", item.Fix);

        var loadOnly = DumpsCheck.Run(App(dump), null, "lifeboat.yaml", program => program != "pg_restore")!;
        Assert.Equal(DoctorStatus.Warn, loadOnly.Status);

        // mysqldump alone is enough for a mariadb dump on the host
        var maria = new DumpConfig { Kind = DumpKind.MariaDb, Name = "mariadb", Databases = ["nc"], Line = 9 };
        Assert.Equal(DoctorStatus.Pass, DumpsCheck.Run(App(maria), null, "lifeboat.yaml", program => program is "mysqldump" or "mysql")!.Status);

        var command = new DumpConfig { Kind = DumpKind.Command, Name = "redis", Command = ["redis-cli", "--rdb", "-"], Line = 3 };
        Assert.Equal("apps.immich.dumps (line 3): redis-cli was not found in PATH", DumpsCheck.Run(App(command), null, "lifeboat.yaml", _ => false)!.Reason);
    }

    [Fact]
    public void AMissingOrLooseOrAbsentPasswordFileIsAFail()
    {
        var loose = PasswordFile(Private | UnixFileMode.OtherRead);
        var missing = _temp.Combine("none.password");
        var item = DumpsCheck.Run(App(
            new DumpConfig { Kind = DumpKind.Postgres, Name = "a", Databases = ["a"], PasswordFile = loose, Line = 5 },
            new DumpConfig { Kind = DumpKind.Postgres, Name = "b", Databases = ["b"], PasswordFile = missing, Line = 9 }), null, "lifeboat.yaml", _ => true)!;
        Assert.Equal(DoctorStatus.Fail, item.Status);
        Assert.Equal($"apps.immich.dumps (line 5): password-file {loose} has mode 0604: other users may read or change it; also apps.immich.dumps (line 9): password-file {missing} does not exist", item.Reason);
        Assert.Contains($"chmod 600 {loose}", item.Fix);
    }

    [Fact]
    public void AContainerThatIsMissingOrStoppedIsAFailAndDockerUnreachableAWarning()
    {
        var app = App(
            new DumpConfig { Kind = DumpKind.Postgres, Name = "a", Container = "gone", Databases = ["a"], Line = 5 },
            new DumpConfig { Kind = DumpKind.Postgres, Name = "b", Container = "stopped", Databases = ["b"], Line = 9 });
        var survey = new ContainerSurvey([new ContainerState("gone", false, false), new ContainerState("stopped", true, false)], null);
        var item = DumpsCheck.Run(app, survey, "lifeboat.yaml", _ => false)!;
        Assert.Equal(DoctorStatus.Fail, item.Status);
        Assert.Equal("apps.immich.dumps (line 5): container gone not found: the dump runs inside it; also apps.immich.dumps (line 9): container stopped is not running: the dump runs inside it", item.Reason);
        Assert.Contains("docker start stopped", item.Fix);

        var unreachable = DumpsCheck.Run(app, new ContainerSurvey([], "docker is not reachable"), "lifeboat.yaml", _ => false)!;
        Assert.Equal(DoctorStatus.Warn, unreachable.Status);
        Assert.StartsWith("apps.immich.dumps (line 5): container gone not checked: docker is not reachable", unreachable.Reason);
    }

    public void Dispose() => _temp.Dispose();
}
