using Lifeboat.TestSupport;

namespace Lifeboat.Cli.Tests;

/// <summary>A fresh repository and source tree per test, removed afterwards.</summary>
public abstract class CliTestBase : IDisposable
{
    protected const string Password = "correct horse battery staple";
    protected readonly TempDirectory Temp = new();

    protected string Repo => Temp.Combine("repo");
    protected string Source => Temp.Combine("src");
    protected LifeboatCli Cli { get; }

    protected CliTestBase()
    {
        Cli = new LifeboatCli(Repo, Password);
        Directory.CreateDirectory(Source);
    }

    protected void WriteFile(string relative, string content)
    {
        var path = Path.Combine(Source, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
    }

    protected static void AssertNoStackTrace(ProcessResult r)
    {
        Assert.DoesNotContain("   at ", r.Stderr);
        Assert.DoesNotContain("Exception", r.Stderr);
        Assert.DoesNotContain(Password, r.Stderr + r.Stdout);
    }

    public void Dispose()
    {
        Temp.Dispose();
        GC.SuppressFinalize(this);
    }
}
