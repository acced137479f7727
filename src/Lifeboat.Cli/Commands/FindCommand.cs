using System.CommandLine;
using Lifeboat.Engine;
using Lifeboat.Engine.Maintenance;
using Lifeboat.Engine.Model;
using Lifeboat.Engine.Repository;
using Lifeboat.Stack.Configuration;
using Lifeboat.Stack.Reading;

namespace Lifeboat.Cli.Commands;

/// <summary>
/// restic 0.14's find: files and directories by name pattern (optionally within an mtime range), or with --blob,
/// --tree or --pack the files and directories that use given data blobs, trees or packs' blobs.
/// </summary>
public sealed class FindCommand : ICommandFactory
{
    public Command Create(GlobalOptions global)
    {
        var patterns = new Argument<string[]>("PATTERN") { Arity = ArgumentArity.OneOrMore };
        var oldest = new Option<string?>("--oldest", "-O") { Description = "oldest modification date/time" };
        var newest = new Option<string?>("--newest", "-N") { Description = "newest modification date/time" };
        var snapshotIds = new Option<string[]>("--snapshot", "-s") { Description = "snapshot id to search in (can be given multiple times)" };
        var blob = new Option<bool>("--blob") { Description = "pattern is a blob-ID" };
        var tree = new Option<bool>("--tree") { Description = "pattern is a tree-ID" };
        var pack = new Option<bool>("--pack") { Description = "pattern is a pack-ID" };
        var showPackId = new Option<bool>("--show-pack-id") { Description = "display the pack-ID the blobs belong to (with --blob or --tree)" };
        var ignoreCase = new Option<bool>("--ignore-case", "-i") { Description = "ignore case for pattern" };
        var longFormat = new Option<bool>("--long", "-l") { Description = "use a long listing format showing size and mode" };
        var reverse = new Option<bool>("--reverse", "-R") { Description = "reverse sort order oldest to newest" };
        var humanReadable = new Option<bool>("--human-readable") { Description = "print sizes in human readable format" };
        var filter = new SnapshotFilterOptions();
        var command = new Command("find", """
            Find a file, a directory or restic IDs

            The snapshots are searched newest first (restic 0.18); --reverse searches them oldest first.

            With a lifeboat.yaml (stack mode, no -r): find APP PATTERN... searches only the app's snapshots (--snapshot
            picks some of them); find PATTERN... searches every snapshot of the repository.
            Example: lifeboat find sonarr config.xml
            """)
        {
            patterns, oldest, newest, snapshotIds, blob, tree, pack, showPackId, ignoreCase, longFormat, reverse, humanReadable,
        };
        filter.AddTo(command);
        command.SetAction((parse, ct) => Program.Run(async () =>
        {
            var ctx = new CommandContext(global, parse);
            var args = (parse.GetValue(patterns) ?? []).ToArray();
            // stack mode: `find APP PATTERN...` searches the app's snapshots; a lone word stays a pattern
            AppConfig? app = null;
            if (ctx.StackConfig is { } stack)
            {
                app = args.Length > 1 ? stack.FindApp(args[0]) : null;
                if (app is not null) args = args[1..];
                else new StackReading(stack, "find").RejectBareLatest(parse.GetValue(snapshotIds) ?? [], !filter.Get(parse).IsEmpty);
            }
            bool caseInsensitive = parse.GetValue(ignoreCase);
            // restic lowercases the patterns of every mode, IDs included
            if (caseInsensitive) args = args.Select(a => a.ToLowerInvariant()).ToArray();
            GoTime? from = parse.GetValue(oldest) is { Length: > 0 } o ? FindTimeParser.Parse(o) : null;
            GoTime? to = parse.GetValue(newest) is { Length: > 0 } n ? FindTimeParser.Parse(n) : null;
            bool byBlob = parse.GetValue(blob), byTree = parse.GetValue(tree), byPack = parse.GetValue(pack);
            if ((byBlob ? 1 : 0) + (byTree ? 1 : 0) + (byPack ? 1 : 0) > 1) throw new CliException("cannot have several ID types");

            await using var repo = await ctx.OpenRepositoryAsync(ct);
            await using var repoLock = await ctx.LockAsync(repo, exclusive: false, ct, loadIndex: true);
            var output = new FindOutput(ctx, parse.GetValue(longFormat), parse.GetValue(humanReadable));

            IdFinder? ids = null;
            if (byBlob) ids = new IdFinder(repo) { BlobIds = new HashSet<string>(args, StringComparer.Ordinal) };
            if (byTree) ids = new IdFinder(repo) { TreeIds = new HashSet<string>(args, StringComparer.Ordinal) };
            if (byPack)
            {
                ids = new IdFinder(repo);
                var (fromIndex, notFound) = await ids.AddPackBlobsAsync(args, ct);
                if (fromIndex.Count > 0)
                    ctx.Error.Write($"some pack files are missing from the repository, getting their blobs from the repository index: [{string.Join(' ', fromIndex)}]\n\n");
                if (notFound.Count > 0) throw new CliException($"unable to find pack(s): [{string.Join(' ', notFound)}]");
            }

            var wanted = parse.GetValue(snapshotIds) ?? [];
            List<Snapshot> snapshots;
            if (app is not null)
                snapshots = [.. await StackReading.HistoryAsync(repo, app, wanted, filter.Get(parse), ct)];
            else
                snapshots = await StatsCommand.SelectSnapshotsAsync(repo, wanted, filter.Get(parse), ct);
            snapshots = SearchOrder(snapshots, parse.GetValue(reverse));
            var walker = ids is null ? new FindWalker(repo, args, caseInsensitive, from, to) : null;
            foreach (var sn in snapshots)
            {
                output.BeginSnapshot(sn);
                if (ids is not null) await ids.FindAsync(sn, output.Object, t => output.UnreadableTree(t, sn), ct);
                else await walker!.FindAsync(sn, output.Pattern, t => output.UnreadableTree(t, sn), ct);
            }
            output.Finish();

            if (parse.GetValue(showPackId) && ids is not null) ShowPacks(ctx, repo, ids);
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    /// <summary>
    /// restic 0.18's order: newest first, or with --reverse oldest first; snapshots of the same time by ID (restic 0.14
    /// had no order at all, so no script could rely on one).
    /// </summary>
    internal static List<Snapshot> SearchOrder(IEnumerable<Snapshot> snapshots, bool oldestFirst) =>
        oldestFirst
            ? [.. snapshots.OrderBy(s => s.Time.UnixNanoseconds).ThenBy(s => s.Id)]
            : [.. snapshots.OrderByDescending(s => s.Time.UnixNanoseconds).ThenBy(s => s.Id)];

    /// <summary>restic's --show-pack-id: for each blob (as a data blob) and tree sought, the pack the index places it in.</summary>
    private static void ShowPacks(CommandContext ctx, Engine.Repository.Repository repo, IdFinder ids)
    {
        void Show(string text, BlobType type)
        {
            if (!TryParseGoId(text, out var id, out var error))
            {
                ctx.Out.WriteLine($"Note: cannot find pack for object '{text}', unable to parse ID: {error}");
                return;
            }
            var locations = repo.Index.LookupAll(type, id);
            if (locations.Count == 0)
            {
                ctx.Out.WriteLine($"Object {id.ToShortString()} not found in the index");
                return;
            }
            var (packId, b) = locations[0];
            ctx.Out.WriteLine($"Object belongs to pack {packId}");
            ctx.Out.WriteLine($" ... Pack {packId.ToShortString()}: <Blob ({type.ToJson()}) {id.ToShortString()}, offset {b.Offset}, length {b.Length}, uncompressed length {b.UncompressedLength}>");
        }
        foreach (var text in ids.BlobIds ?? []) Show(text, BlobType.Data);
        foreach (var text in ids.TreeIds ?? []) Show(text, BlobType.Tree);
    }

    /// <summary>restic.ParseID with its error texts: the length (in bytes) first, then Go's hex decoder on the first bad byte.</summary>
    private static bool TryParseGoId(string text, out Id id, out string error)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(text);
        error = "";
        if (bytes.Length != 2 * Id.Size)
        {
            id = default;
            error = "invalid length for hash";
            return false;
        }
        if (Id.TryParse(text, out id)) return true;
        byte bad = bytes.First(c => !char.IsAsciiHexDigit((char)c));
        var rune = new System.Text.Rune(bad);
        // Go's %#U: U+XXXX, then the character in quotes when it is printable
        var printable = !System.Text.Rune.IsControl(rune) && System.Globalization.CharUnicodeInfo.GetUnicodeCategory(bad) is not
            (System.Globalization.UnicodeCategory.Format or System.Globalization.UnicodeCategory.SpaceSeparator) || bad == ' ';
        error = $"hex.DecodeString: encoding/hex: invalid byte: U+{bad:X4}" + (printable ? $" '{rune}'" : "");
        return false;
    }
}
