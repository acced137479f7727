using System.CommandLine;
using Lifeboat.Cli.Rendering;
using Lifeboat.Engine.Repository;

namespace Lifeboat.Cli.Commands;

public sealed class InitCommand : ICommandFactory
{
    public Command Create(GlobalOptions global)
    {
        var version = new Option<string>("--repository-version") { Description = "repository format version to use, allowed values are a format version, 'latest' and 'stable'", DefaultValueFactory = _ => "stable" };
        var copyChunkerParams = new Option<bool>("--copy-chunker-params") { Description = "copy chunker parameters from the secondary repository (useful with the copy command)" };
        var from = new SourceRepositoryOptions();
        var command = new Command("init", """
            Initialize a new repository

            With a lifeboat.yaml (stack mode, no -r): creates the config's repository (and its offsite one); a password
            file that does not exist yet gets a random password, mode 0600.
            """) { version, copyChunkerParams };
        from.AddTo(command);
        command.SetAction((parse, ct) => Program.Run(async () =>
        {
            var ctx = new CommandContext(global, parse);
            int v = parse.GetValue(version) switch
            {
                "stable" or "latest" or "2" => 2,
                "1" => 1,
                var other => throw new CliException($"invalid repository version \"{other}\": choose 1, 2, stable or latest"),
            };
            bool copyChunker = parse.GetValue(copyChunkerParams);
            // restic: a secondary repository is only for --copy-chunker-params
            if (!copyChunker && from.Given(parse))
                throw new CliException("Secondary repository must only be specified when copying the chunker parameters");
            if (ctx.StackConfig is { } stack)
            {
                if (copyChunker) throw new CliException("--copy-chunker-params does not apply to a stack's init (lifeboat.yaml, no -r): name the repository to create with -r");
                return await Stack.StackInitCommand.RunAsync(ctx, stack, v, ct);
            }
            Lifeboat.Engine.Chunking.Polynomial? polynomial = null;
            if (copyChunker)
            {
                await using var other = await from.OpenAsync(ctx, parse, ct);
                polynomial = other.Config.ChunkerPolynomial;
            }
            var location = ctx.RepositoryLocation();
            var password = ctx.Password(confirm: true);
            using var backend = ctx.OpenBackend(location);
            await using var repo = await Repository.InitAsync(backend, password, v, ctx.RepositoryOptions(), polynomial: polynomial, cancellationToken: ct);
            if (ctx.Json)
            {
                JsonOutput.Line(w =>
                {
                    w.WriteStartObject();
                    w.WriteString("message_type", "initialized");
                    w.WriteString("id", repo.Config.Id);
                    w.WriteString("repository", location);
                    w.WriteEndObject();
                });
            }
            else if (!ctx.Quiet)
            {
                ctx.Out.WriteLine($"created restic repository {repo.Config.Id[..10]} at {location}");
                ctx.Out.WriteLine();
                ctx.Out.WriteLine("Please note that knowledge of your password is required to access");
                ctx.Out.WriteLine("the repository. Losing your password means that your data is");
                ctx.Out.WriteLine("irrecoverably lost.");
            }
            return ExitCodes.Ok;
        }, ct));
        return command;
    }
}
