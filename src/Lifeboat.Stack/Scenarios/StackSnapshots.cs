using Lifeboat.Stack.Configuration;
using Repo = Lifeboat.Engine.Repository.Repository;

namespace Lifeboat.Stack.Scenarios;

/// <summary>The history per app: the snapshots tagged app:NAME, whatever host wrote them (a rebuilt VM keeps its history).</summary>
public static class StackSnapshots
{
    public static async Task<IReadOnlyList<AppHistory>> ListAsync(Repo repository, IReadOnlyList<AppConfig> apps, CancellationToken cancellationToken)
    {
        var all = await repository.ListSnapshotsAsync(cancellationToken).ConfigureAwait(false);
        return apps.Select(app => new AppHistory(app, all.Where(s => s.HasTag(app.Tag)).ToList())).ToList();
    }
}
