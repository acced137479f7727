using Lifeboat.TestSupport;

namespace Lifeboat.Cli.Tests;

/// <summary>
/// ./lifeboat rebuilds without ever breaking what runs: concurrent callers build once, a failed build keeps the last
/// good binary and is never taken for a build. Each test works in a copy of the repository's sources (never the
/// repository itself), with the build ./lifeboat made for the test run as the "old" binary.
/// </summary>
public class RebuildScriptTests
{
    private static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(20);

    [Fact]
    public async Task TwoCallersAfterASourceChangeBuildOnceAndTheOldBinaryRunsMeanwhile()
    {
        using var copy = new RepositoryCopy();
        // A real publish takes minutes of both cores (the failed build below runs the real one); here a stand-in
        // for dotnet publishes the current build again after five seconds and logs when it starts and ends.
        string publishLog = copy.Path("publish.log");
        string fakeDotnet = copy.Path("fake-bin/dotnet");
        Directory.CreateDirectory(copy.Path("fake-bin"));
        File.WriteAllText(fakeDotnet, """
            #!/usr/bin/env bash
            set -eu
            while [ $# -gt 0 ]; do if [ "$1" = -o ]; then out="$2"; fi; shift; done
            echo start >>"$PUBLISH_LOG"
            sleep 5
            cp -a "$PUBLISH_FROM"/. "$out"/
            echo end >>"$PUBLISH_LOG"
            """);
        File.SetUnixFileMode(fakeDotnet, (UnixFileMode)0x1ED); // 0755
        string previousBuild = Directory.ResolveLinkTarget(copy.Path(".build/cli"), returnFinalTarget: true)!.FullName;
        var environment = new Dictionary<string, string?>
        {
            ["PATH"] = copy.Path("fake-bin") + ":" + Environment.GetEnvironmentVariable("PATH"),
            ["PUBLISH_LOG"] = publishLog,
            ["PUBLISH_FROM"] = previousBuild,
        };
        copy.Touch("src/Lifeboat.Cli/Program.cs");

        // threads of their own, so that both start at once even when the thread pool is busy with other tests
        var first = Task.Factory.StartNew(() => copy.RunScript(environment, "version"), CancellationToken.None,
            TaskCreationOptions.LongRunning, TaskScheduler.Default);
        var second = Task.Factory.StartNew(() => copy.RunScript(environment, "version"), CancellationToken.None,
            TaskCreationOptions.LongRunning, TaskScheduler.Default);
        int oldBinaryRuns = 0;
        while (!first.IsCompleted || !second.IsCompleted)
        {
            // what a running test or user command would do during the rebuild
            var old = copy.RunBuiltBinary("version");
            Assert.True(old.Succeeded, $"the installed binary failed during a rebuild: {old.Stderr}");
            oldBinaryRuns++;
            await Task.Delay(200, TestContext.Current.CancellationToken);
        }

        var results = await Task.WhenAll(first, second);
        foreach (var r in results)
        {
            Assert.True(r.Succeeded, $"./lifeboat version exited {r.ExitCode}: {r.Stderr}");
            Assert.StartsWith("lifeboat ", r.Stdout);
        }
        string stderr = results[0].Stderr + results[1].Stderr;
        Assert.Equal(["start", "end"], File.ReadAllLines(publishLog)); // one build, not two, not overlapping
        Assert.Equal(1, CountOf("building lifeboat", stderr));
        Assert.Equal(1, CountOf("waiting for another ./lifeboat build", stderr));
        Assert.True(oldBinaryRuns > 1);
        Assert.NotEqual(previousBuild, Directory.ResolveLinkTarget(copy.Path(".build/cli"), returnFinalTarget: true)!.FullName);

        // built and current now: the next call runs it straight away
        var again = copy.RunScript(environment, "version");
        Assert.True(again.Succeeded, again.Stderr);
        Assert.DoesNotContain("building", again.Stderr);
        Assert.Equal(2, File.ReadAllLines(publishLog).Length);
    }

    [Fact]
    public void AFailedBuildKeepsTheOldBinaryAndIsNotReused()
    {
        using var copy = new RepositoryCopy();
        var oldBinary = File.ReadAllBytes(copy.BuiltBinary);
        File.WriteAllText(copy.Path("src/Lifeboat.Engine/DeliberatelyBroken.cs"), "this is not C#\n");

        var failed = copy.RunScript("version");
        Assert.NotEqual(0, failed.ExitCode);
        Assert.Contains("DeliberatelyBroken.cs", failed.Stderr); // the build log, with the compiler's error
        Assert.Equal(oldBinary, File.ReadAllBytes(copy.BuiltBinary));
        var old = copy.RunBuiltBinary("version");
        Assert.True(old.Succeeded, $"the old binary no longer runs: {old.Stderr}");

        // the broken output is not taken for a build: the next call tries again, and fails again
        var retried = copy.RunScript("version");
        Assert.NotEqual(0, retried.ExitCode);
        Assert.Contains("building lifeboat", retried.Stderr);

        // once the source is whole again, the old binary is current and runs without a build
        File.Delete(copy.Path("src/Lifeboat.Engine/DeliberatelyBroken.cs"));
        var repaired = copy.RunScript("version");
        Assert.True(repaired.Succeeded, repaired.Stderr);
        Assert.DoesNotContain("building", repaired.Stderr);
        Assert.Equal(oldBinary, File.ReadAllBytes(copy.BuiltBinary));
    }

    private static int CountOf(string needle, string haystack) =>
        haystack.Split('\n').Count(line => line.Contains(needle, StringComparison.Ordinal));

    /// <summary>
    /// The sources, the ./lifeboat script and the current build, copied with their times kept (so the copied binary is as
    /// current as the original), and brought up to date once before the test changes anything.
    /// </summary>
    private sealed class RepositoryCopy : IDisposable
    {
        private readonly TempDirectory _temp = new("lifeboat-rebuild");

        public RepositoryCopy()
        {
            string copyScript = """
                set -euo pipefail
                cd "$1"
                tar -cf - --exclude=obj --exclude=bin src lifeboat global.json Directory.Build.props | tar -xf - -C "$2"
                if [ -x .build/cli/lifeboat ]; then
                  mkdir "$2/.build"
                  cp -a "$(readlink -f .build/cli)" "$2/.build/cli-original"
                  ln -s cli-original "$2/.build/cli"
                fi
                """;
            var copied = ProcessRunner.Run("bash", ["-c", copyScript, "copy", Fixtures.RepositoryRoot, Root]);
            Assert.True(copied.Succeeded, copied.Stderr);
            // no-op when the repository's build is current (as run-tests makes it); a first build otherwise
            var current = RunScript("version");
            Assert.True(current.Succeeded, $"the copy does not build before any change: {current.Stderr}");
        }

        private string Root => _temp.Path;

        public string BuiltBinary => Path(".build/cli/lifeboat");

        public string Path(string relative) => System.IO.Path.Combine(Root, relative);

        public void Touch(string relative) => File.SetLastWriteTimeUtc(Path(relative), DateTime.UtcNow);

        public ProcessResult RunScript(params string[] args) => RunScript(new Dictionary<string, string?>(), args);

        public ProcessResult RunScript(Dictionary<string, string?> environment, params string[] args)
        {
            var merged = new Dictionary<string, string?>(BuildEnvironment);
            foreach (var (name, value) in environment) merged[name] = value;
            return ProcessRunner.Run(Path("lifeboat"), args, merged, timeout: BuildTimeout, workingDirectory: Root);
        }

        public ProcessResult RunBuiltBinary(params string[] args) => ProcessRunner.Run(BuiltBinary, args);

        public void Dispose() => _temp.Dispose();
    }

    /// <summary>
    /// The test host runs under `dotnet test`, which passes MSBuild's own settings to its children; the copy's build must
    /// start as a user's would.
    /// </summary>
    private static Dictionary<string, string?> BuildEnvironment =>
        Environment.GetEnvironmentVariables().Keys.Cast<string>()
            .Where(name => name.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase) || name == "DOTNET_HOST_PATH")
            .ToDictionary(name => name, string? (_) => null);
}
