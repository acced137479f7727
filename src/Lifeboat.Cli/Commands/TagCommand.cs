using System.CommandLine;
using Lifeboat.Engine.Model;
using Lifeboat.Engine.Storage;

namespace Lifeboat.Cli.Commands;

/// <summary>restic's tag: rewrites snapshots with changed tags (new file first, keeping "original", then the old one deleted).</summary>
public sealed class TagCommand : ICommandFactory
{
    public Command Create(GlobalOptions global)
    {
        var ids = new Argument<string[]>("snapshotID") { Arity = ArgumentArity.ZeroOrMore };
        var set = new Option<string[]>("--set") { Description = "tags which will replace the existing tags in the format `tag[,tag,...]` (can be given multiple times)" };
        var add = new Option<string[]>("--add") { Description = "tags which will be added to the existing tags in the format `tag[,tag,...]` (can be given multiple times)" };
        var remove = new Option<string[]>("--remove") { Description = "tags which will be removed from the existing tags in the format `tag[,tag,...]` (can be given multiple times)" };
        var filter = new SnapshotFilterOptions();
        var command = new Command("tag", "Modify tags on snapshots") { ids, set, add, remove };
        filter.AddTo(command);
        command.SetAction((parse, ct) => Program.Run(async () =>
        {
            var ctx = new CommandContext(global, parse);
            static List<string> Flatten(string[]? values) => (values ?? []).SelectMany(v => v.Split(',')).ToList();
            var setTags = Flatten(parse.GetValue(set));
            var addTags = Flatten(parse.GetValue(add));
            var removeTags = Flatten(parse.GetValue(remove));
            bool setGiven = parse.GetValue(set) is { Length: > 0 };
            if (!setGiven && addTags.Count == 0 && removeTags.Count == 0)
                throw new CliException("nothing to do");
            if (setGiven && (addTags.Count > 0 || removeTags.Count > 0))
                throw new CliException("--set and --add/--remove cannot be given at the same time");

            await using var repo = await ctx.OpenRepositoryAsync(ct);
            await using var repoLock = await ctx.LockAsync(repo, exclusive: true, ct);
            var snapshotFilter = filter.Get(parse);
            var wanted = parse.GetValue(ids) ?? [];
            List<Snapshot> snapshots = [];
            if (wanted.Length > 0)
                foreach (var id in wanted) snapshots.Add(await repo.FindSnapshotAsync(id, snapshotFilter, ct));
            else snapshots = (await repo.ListSnapshotsAsync(ct)).Where(snapshotFilter.Matches).ToList();

            int changed = 0;
            foreach (var snapshot in snapshots.DistinctBy(s => s.Id))
            {
                if (!Change(snapshot, setGiven ? setTags : null, addTags, removeTags)) continue;
                var oldId = snapshot.Id;
                snapshot.Original ??= oldId;
                // The rewritten snapshot is stored before the old one goes: a crash leaves both, never neither.
                var newId = await repo.SaveSnapshotAsync(snapshot, ct);
                if (newId != oldId) await repo.DeleteFileAsync(FileType.Snapshot, oldId, ct);
                if (ctx.Verbosity > 1) ctx.Info($"old snapshot ID: {oldId} -> new snapshot ID: {newId}");
                changed++;
            }
            ctx.Info(changed == 0 ? "no snapshots were modified" : $"modified tags on {changed} snapshots");
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    /// <summary>restic's tag edit: --set replaces (an empty value clears), --add appends missing tags, --remove drops them.</summary>
    private static bool Change(Snapshot snapshot, List<string>? set, List<string> add, List<string> remove)
    {
        bool changed = false;
        if (set is not null)
        {
            var tags = set.Where(t => t.Length > 0).Distinct().ToList();
            snapshot.Tags = tags.Count > 0 ? tags : null;
            return true;
        }
        foreach (var tag in add)
        {
            if (tag.Length == 0 || snapshot.HasTag(tag)) continue;
            (snapshot.Tags ??= []).Add(tag);
            changed = true;
        }
        foreach (var tag in remove)
        {
            if (snapshot.Tags is null || snapshot.Tags.RemoveAll(t => t == tag) == 0) continue;
            changed = true;
        }
        if (snapshot.Tags is { Count: 0 }) snapshot.Tags = null;
        return changed;
    }
}
