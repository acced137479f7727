using System.Threading.Channels;
using Lifeboat.Engine.Model;
using Lifeboat.Engine.Platform;
using Lifeboat.Engine.Repository;

namespace Lifeboat.Engine.Restore;

/// <summary>
/// Restores a tree into a target directory, or one node of a snapshot at a path of its own, in stages as restic's
/// restorer does: the <see cref="RestorePlanner"/> walks the snapshot, creating directories and special files and
/// planning every file's content by pack; as it goes, a batch at a time, the <see cref="PackBlobReader"/> reads each
/// needed pack (in coalesced ranges, several packs at a time), verifies every blob against its ID and hands it to the
/// <see cref="FilesWriter"/>, which writes it to all the file offsets that need it; finally the
/// <see cref="MetadataWriter"/> applies the directories' metadata bottom-up so their times hold. Each run has its own plan; <see cref="Statistics"/> counts
/// all runs of this instance.
/// </summary>
public sealed class Restorer
{
    private readonly Repository.Repository _repo;
    private readonly RestoreOptions _options;
    private readonly RestoreFilter _filter;
    private readonly ItemFailures _failures;
    private readonly MetadataWriter _metadata;

    public Restorer(Repository.Repository repository, RestoreOptions options, IRestoreObserver? observer = null)
    {
        _repo = repository;
        _options = options;
        _filter = new RestoreFilter(options);
        _failures = new ItemFailures(Statistics, observer);
        _metadata = new MetadataWriter(options.RestoreOwnership ?? Posix.GetUid() == 0, _failures);
    }

    public RestoreStatistics Statistics { get; } = new();

    private int PackConcurrency
    {
        get
        {
            if (_options.PackConcurrency is { } n) return Math.Max(1, n);
            int cpu = Math.Max(2, Environment.ProcessorCount + 1);
            return _repo.IsLocal ? cpu : Math.Max(cpu, 2 * _repo.StorageConnections);
        }
    }

    /// <summary>
    /// Restores the items of the tree <paramref name="rootTree"/> (a snapshot's root, or a subfolder's tree) into
    /// <see cref="RestoreOptions.Target"/>. Throws the repository's error when that tree itself cannot be loaded;
    /// below it, what cannot be restored is reported to the observer and the rest is restored.
    /// </summary>
    public async Task RunAsync(Id rootTree, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(_options.Target)) throw new InvalidOperationException("RestoreOptions.Target names no directory to restore into");
        var target = _options.Target.TrimEnd('/');
        if (target.Length == 0) target = "/";
        bool freshTarget = !Posix.TryLStat(target, out _, out _);
        if (!_options.DryRun) Posix.MakeDirectories(target, 0x1C0 /* 0700 */);
        var plan = new RestorePlan(target);
        await RunStagesAsync(plan, (planner, ct) => planner.PlanTreeAsync(rootTree, freshTarget, ct), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Restores the node at <paramref name="pathInSnapshot"/> ("/dir/file") of the tree <paramref name="rootTree"/> (a
    /// snapshot's root) AT <paramref name="targetPath"/>: a file, a symlink or a directory with its subtree lands there
    /// under the target's name, with the node's own metadata. <see cref="RestoreOptions.Target"/> is not used; the
    /// filters see the items' paths in the snapshot ("/dir/file/..."). A directory already at the target path is
    /// restored into (merged); a file or symlink there is replaced.
    /// </summary>
    /// <exception cref="ArgumentException">The snapshot has no such node.</exception>
    public async Task RestoreNodeAsync(Id rootTree, string pathInSnapshot, string targetPath, CancellationToken cancellationToken)
    {
        var location = CleanLocation(pathInSnapshot);
        var node = await _repo.FindNodeAsync(rootTree, location, cancellationToken).ConfigureAwait(false)
            ?? throw new ArgumentException($"{location} is not in the snapshot", nameof(pathInSnapshot));
        await RestoreNodeAsync(node, location, targetPath, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>As <see cref="RestoreNodeAsync(Id, string, string, CancellationToken)"/>, for a node already found at <paramref name="pathInSnapshot"/>.</summary>
    public async Task RestoreNodeAsync(Node node, string pathInSnapshot, string targetPath, CancellationToken cancellationToken)
    {
        var location = CleanLocation(pathInSnapshot);
        var target = targetPath.TrimEnd('/');
        int slash = target.LastIndexOf('/');
        if (slash < 0 || slash == target.Length - 1) throw new ArgumentException($"\"{targetPath}\" is not an absolute path naming an item", nameof(targetPath));
        var parent = slash == 0 ? "/" : target[..slash];
        bool freshParent = !Posix.TryLStat(parent, out _, out _);
        if (!_options.DryRun) Posix.MakeDirectories(parent, 0x1C0 /* 0700 */);
        var plan = new RestorePlan(parent);
        await RunStagesAsync(plan, (planner, ct) => planner.PlanNodeAsync(node, target[(slash + 1)..], location, freshParent, ct), cancellationToken).ConfigureAwait(false);
    }

    private static string CleanLocation(string path) => "/" + path.Trim('/');

    private async Task RunStagesAsync(RestorePlan plan, Func<RestorePlanner, CancellationToken, Task> planAsync, CancellationToken cancellationToken)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var cpu = Environment.CpuUsage.TotalTime;
        // everything is written below this handle (see RestorePlanner and FilesWriter); a dry run writes nothing
        using var root = _options.DryRun ? null : Posix.OpenDirectory(plan.Root);
        using var planner = new RestorePlanner(_repo, plan, _filter, _metadata, _failures, Statistics, _options.DryRun, root, _options.Overwrite, _options.Delete);
        if (root is null)
        {
            await planAsync(planner, cancellationToken).ConfigureAwait(false);
            planner.Finish();
            Statistics.PlanTime += clock.Elapsed;
            Statistics.PlanCpu += Environment.CpuUsage.TotalTime - cpu;
            return;
        }

        // The content stage reads the packs the planner hands over while it goes on planning: a pack as a whole batch
        // of it is planned, several packs at a time.
        var files = new FilesWriter(plan, root, _metadata, _failures, Statistics, _options.Sparse);
        var reader = new PackBlobReader(_repo, files, Statistics);
        var packs = Channel.CreateUnbounded<KeyValuePair<Id, List<PlannedBlob>>>(new UnboundedChannelOptions { SingleWriter = true });
        planner.StreamContentTo(batch =>
        {
            foreach (var pack in batch) packs.Writer.TryWrite(pack);
        }, _options.ContentBatchBytes);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var content = Parallel.ForEachAsync(packs.Reader.ReadAllAsync(stop.Token),
            new ParallelOptions { MaxDegreeOfParallelism = PackConcurrency, CancellationToken = stop.Token },
            async (pack, ct) =>
            {
                await reader.ReadAsync(pack.Key, pack.Value, ct).ConfigureAwait(false);
                // done with this pack: its plan need not stay in memory
                pack.Value.Clear();
                pack.Value.TrimExcess();
            });
        // a content stage that fails stops the planning too
        _ = content.ContinueWith(_ =>
        {
            try { stop.Cancel(); } catch (ObjectDisposedException) { }
        }, CancellationToken.None, TaskContinuationOptions.NotOnRanToCompletion | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        try
        {
            try
            {
                await planAsync(planner, stop.Token).ConfigureAwait(false);
                planner.Finish();
            }
            finally
            {
                packs.Writer.TryComplete();
            }
        }
        catch (Exception planError)
        {
            stop.Cancel();
            try
            {
                await content.ConfigureAwait(false);
            }
            catch (Exception) when (planError is OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                // the planning was stopped by the content stage's failure: that is the error to report
                files.CloseAll();
                throw;
            }
            catch (Exception) { }
            files.CloseAll();
            throw;
        }
        var planTime = clock.Elapsed;
        Statistics.PlanTime += planTime;
        Statistics.PlanCpu += Environment.CpuUsage.TotalTime - cpu;
        cpu = Environment.CpuUsage.TotalTime;
        try
        {
            await content.ConfigureAwait(false);
        }
        finally
        {
            files.CloseAll();
        }
        var contentTime = clock.Elapsed - planTime;
        Statistics.ContentTime += contentTime;
        Statistics.ContentCpu += Environment.CpuUsage.TotalTime - cpu;
        cpu = Environment.CpuUsage.TotalTime;
        files.CreateHardLinks();
        _metadata.ApplyToDirectories(plan, root);
        Statistics.MetadataTime += clock.Elapsed - planTime - contentTime;
        Statistics.MetadataCpu += Environment.CpuUsage.TotalTime - cpu;
    }
}
