using System.CommandLine;
using System.Globalization;
using Lifeboat.Cli.Rendering;
using Lifeboat.Engine.Storage.Cache;

namespace Lifeboat.Cli.Commands;

/// <summary>restic's <c>cache</c>: lists the local caches of repositories, or removes the ones not used for a while.</summary>
public sealed class CacheCommand : ICommandFactory
{
    public Command Create(GlobalOptions global)
    {
        var cleanup = new Option<bool>("--cleanup") { Description = "remove old cache directories" };
        var maxAge = new Option<uint>("--max-age") { Description = "max age in days for cache directories to be considered old", DefaultValueFactory = _ => 30, HelpName = "days" };
        var noSize = new Option<bool>("--no-size") { Description = "do not output the size of the cache directories" };
        var command = new Command("cache", "Operate on local cache directories") { cleanup, maxAge, noSize };
        command.SetAction((parse, ct) => Program.Run(() =>
        {
            var ctx = new CommandContext(global, parse);
            if (ctx.NoCache) throw new CliException("Refusing to do anything, the cache is disabled");
            string baseDirectory;
            try { baseDirectory = ctx.CacheDirectory(); }
            catch (IOException e) { throw new CliException(e.Message); }
            var age = TimeSpan.FromDays(parse.GetValue(maxAge));

            if (parse.GetValue(cleanup) || ctx.CleanupCache)
            {
                var old = CacheDirectories.OlderThan(baseDirectory, age);
                if (old.Count == 0)
                {
                    ctx.Info("no old cache dirs found");
                    return Task.FromResult(ExitCodes.Ok);
                }
                ctx.Info($"remove {old.Count} old cache directories");
                CacheReport.Remove(ctx, old);
                return Task.FromResult(ExitCodes.Ok);
            }

            var dirs = CacheDirectories.List(baseDirectory);
            if (dirs.Count == 0)
            {
                ctx.Out.WriteLine($"no cache dirs found, basedir is {baseDirectory}");
                return Task.FromResult(ExitCodes.Ok);
            }
            bool sizes = !parse.GetValue(noSize);
            var now = DateTime.UtcNow;
            var rows = new List<string[]>();
            foreach (var dir in dirs)
            {
                var days = Math.Max(0, (long)Math.Floor((now - dir.LastUsed).TotalHours / 24));
                var row = new List<string>
                {
                    dir.Name[..10],
                    string.Create(CultureInfo.InvariantCulture, $"{days} days ago"),
                    dir.LastUsed < now - age ? "yes" : "",
                };
                if (sizes) row.Add(Format.Bytes(CacheDirectories.Size(dir.Path)).PadLeft(11));
                rows.Add([.. row]);
            }
            string[] header = sizes ? ["Repo ID", "Last Used", "Old", "Size"] : ["Repo ID", "Last Used", "Old"];
            PlainTable.Write(ctx.Out, header, rows);
            ctx.Out.WriteLine($"{dirs.Count} cache dirs in {baseDirectory}");
            return Task.FromResult(ExitCodes.Ok);
        }, ct));
        return command;
    }
}
