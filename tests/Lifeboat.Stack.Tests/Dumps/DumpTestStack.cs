using System.Diagnostics;
using Lifeboat.Engine;
using Lifeboat.Engine.Model;
using Lifeboat.Engine.Repository;
using Lifeboat.Engine.Storage;
using Lifeboat.Stack.Configuration;
using Lifeboat.Stack.Scenarios;
using Lifeboat.TestSupport;

namespace Lifeboat.Stack.Tests.Dumps;

/// <summary>A repository and apps with dumps: for the backup tests with real database servers and containers.</summary>
internal sealed class DumpTestStack(TempDirectory temp)
{
    public const string Password = "dump test password";
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public string RepoPath => temp.Combine("repo");

    public async Task<Repository> InitRepositoryAsync()
    {
        var repo = await Repository.InitAsync(new LocalBackend(RepoPath), Password, 2, new RepositoryOptions(), (1024, 8, 1), cancellationToken: Ct);
        await repo.LoadIndexAsync(Ct);
        return repo;
    }

    /// <summary>An app with a folder of two small files of its own, and <paramref name="dumps"/>.</summary>
    public AppConfig App(string name, params DumpConfig[] dumps)
    {
        var path = temp.Combine("apps/" + name);
        Directory.CreateDirectory(path);
        File.WriteAllText(Path.Combine(path, "settings.xml"), "<settings/>");
        File.WriteAllText(Path.Combine(path, "notes.txt"), "notes of " + name);
        return new AppConfig { Name = name, Paths = [path], Dumps = dumps };
    }

    public Task<IReadOnlyList<AppBackupResult>> BackupAsync(Repository repo, Func<Lifeboat.Stack.Dumps.IDumpProcesses>? processes, params AppConfig[] apps) =>
        BackupAsync(repo, processes, new FakeContainerControl(), apps);

    public async Task<IReadOnlyList<AppBackupResult>> BackupAsync(Repository repo, Func<Lifeboat.Stack.Dumps.IDumpProcesses>? processes, FakeContainerControl docker,
        params AppConfig[] apps)
    {
        var config = new StackConfig { File = "lifeboat.yaml", Repository = RepoPath, Host = "test-host", Apps = apps };
        return await new StackBackup(repo, config, () => docker) { DumpProcesses = processes }.RunAsync(apps, [], Ct);
    }

    public async Task<List<Snapshot>> SnapshotsOfAsync(Repository repo, string app) =>
        (await repo.ListSnapshotsAsync(Ct)).Where(s => s.HasTag(AppConfig.AppTag(app))).ToList();

    /// <summary>The file's bytes in the snapshot as the real restic's dump prints them.</summary>
    public byte[] ResticDump(Id snapshot, string path)
    {
        using var restic = new Restic(RepoPath, Password);
        var result = restic.Run("dump", snapshot.ToString(), path);
        Assert.True(result.Succeeded, result.Stderr);
        return result.StdoutBytes;
    }

    /// <summary>A private file holding <paramref name="password"/>, as a password-file: names one.</summary>
    public string PasswordFile(string password)
    {
        var file = temp.Combine($"secrets/{Guid.NewGuid():N}.password");
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        File.WriteAllText(file, password + "\n");
        File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return file;
    }
}

/// <summary>
/// A client program that runs statements fed to its standard input for as long as the test wants: one transaction
/// after another while a backup runs. <see cref="StopAsync"/> ends its input and waits for it.
/// </summary>
internal sealed class StatementWriter : IAsyncDisposable
{
    private readonly Process _process;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _feeding;

    public StatementWriter(string program, IEnumerable<string> arguments, Func<int, string> statement)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        _process = Process.Start(start)!;
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is { } line) Errors += line + "\n"; };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        _feeding = Task.Run(async () =>
        {
            for (int n = 1; !_stop.IsCancellationRequested; n++)
            {
                await _process.StandardInput.WriteLineAsync(statement(n));
                await _process.StandardInput.FlushAsync();
                if (n % 50 == 0) await Task.Delay(5);
            }
            _process.StandardInput.Close();
        });
    }

    public string Errors { get; private set; } = "";

    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        await _feeding;
        await _process.WaitForExitAsync(TestContext.Current.CancellationToken);
        Assert.True(_process.ExitCode == 0, Errors);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            await _stop.CancelAsync();
            try
            {
                _process.Kill();
            }
            catch (InvalidOperationException) { }
        }
        _process.Dispose();
        _stop.Dispose();
    }
}
