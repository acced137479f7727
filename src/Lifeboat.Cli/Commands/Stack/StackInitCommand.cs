using Lifeboat.Cli.Rendering;
using Lifeboat.Engine.Repository;
using Lifeboat.Engine.Storage;
using Lifeboat.Stack.Configuration;

namespace Lifeboat.Cli.Commands.Stack;

/// <summary>
/// `lifeboat init` in stack mode: creates the config's repository and, when its password file does not exist yet,
/// a random password in it (mode 0600). The password is never printed.
/// </summary>
public static class StackInitCommand
{

    public static async Task<int> RunAsync(CommandContext ctx, StackConfig config, int version, CancellationToken cancellationToken)
    {
        StackConfigValidator.RequirePathsExist(config, config.Apps);
        var location = config.Repository;
        using var backend = ctx.OpenBackend(location);
        // refuse before a password file is written for a repository that cannot be created
        if (await backend.ExistsAsync(FileType.Config, "config", cancellationToken))
            throw new CliException($"repository {location} already exists: it has a config file");

        string password;
        string? createdPasswordFile = null;
        if (!ctx.PasswordGiven && config.PasswordFile is { } passwordFile && !File.Exists(passwordFile))
        {
            try
            {
                password = PasswordFile.CreateRandom(passwordFile);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new CliException($"cannot write the password file {passwordFile}: {e.Message}");
            }
            createdPasswordFile = passwordFile;
        }
        else
        {
            password = ctx.Password(confirm: true);
        }

        Repository repo;
        try
        {
            repo = await Repository.InitAsync(backend, password, version, ctx.RepositoryOptions(), cancellationToken: cancellationToken);
        }
        catch
        {
            // a password for a repository that does not exist would only mislead
            if (createdPasswordFile is not null) File.Delete(createdPasswordFile);
            throw;
        }
        await using (repo)
        {
            string? offsiteLine = config.Offsite is { } offsite ? await InitOffsiteAsync(ctx, config, offsite, repo, version, cancellationToken) : null;
            if (ctx.Json)
            {
                JsonOutput.Line(w =>
                {
                    w.WriteStartObject();
                    w.WriteString("message_type", "initialized");
                    w.WriteString("id", repo.Config.Id);
                    w.WriteString("repository", location);
                    if (createdPasswordFile is not null) w.WriteString("password_file", createdPasswordFile);
                    w.WriteEndObject();
                });
            }
            else if (!ctx.Quiet)
            {
                ctx.Out.WriteLine($"created restic repository {repo.Config.Id[..10]} at {location}");
                ctx.Out.WriteLine($"apps: {string.Join(", ", config.Apps.Select(a => a.Name))} (from {config.File})");
                if (offsiteLine is not null) ctx.Out.WriteLine(offsiteLine);
                ctx.Out.WriteLine();
                if (createdPasswordFile is not null)
                {
                    ctx.Out.WriteLine($"A new random password was written to {createdPasswordFile} (mode 0600).");
                    ctx.Out.WriteLine("Store a copy of it somewhere off this machine (a password manager, a safe): without it the");
                    ctx.Out.WriteLine("backups cannot be read, and a lost machine takes this file with it.");
                }
                else
                {
                    ctx.Out.WriteLine("Please note that knowledge of your password is required to access");
                    ctx.Out.WriteLine("the repository. Losing your password means that your data is");
                    ctx.Out.WriteLine("irrecoverably lost.");
                }
            }
        }
        return ExitCodes.Ok;
    }

    /// <summary>
    /// Creates the offsite repository with the primary's chunker parameters (restic's init --copy-chunker-params), so that
    /// copies deduplicate exactly as the primary does; an offsite repository that exists already is kept, and checked.
    /// </summary>
    private static async Task<string> InitOffsiteAsync(CommandContext ctx, StackConfig config, OffsiteConfig offsite, Repository primary, int version, CancellationToken cancellationToken)
    {
        using var backend = ctx.OpenOffsiteBackend(config, offsite);
        var password = ctx.OffsitePassword(config, offsite);
        if (await backend.ExistsAsync(FileType.Config, "config", cancellationToken))
        {
            await using var existing = await Repository.OpenAsync(backend, password, ctx.RepositoryOptions(), cancellationToken);
            return existing.Config.ChunkerPolynomial == primary.Config.ChunkerPolynomial
                ? $"offsite: using the existing repository {existing.Config.Id[..10]} at {offsite.Repository} (same chunker parameters)"
                : $"offsite: using the existing repository {existing.Config.Id[..10]} at {offsite.Repository}; warning: its chunker parameters differ, so copies will not deduplicate against what it already holds";
        }
        await using var created = await Repository.InitAsync(backend, password, version, ctx.RepositoryOptions(), polynomial: primary.Config.ChunkerPolynomial, cancellationToken: cancellationToken);
        return $"offsite: created restic repository {created.Config.Id[..10]} at {offsite.Repository} (same chunker parameters; each backup run copies its snapshots there)";
    }
}
