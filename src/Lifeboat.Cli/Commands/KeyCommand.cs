using System.CommandLine;
using Lifeboat.Cli.Rendering;
using Lifeboat.Engine.Model;
using Lifeboat.Engine.Platform;
using Lifeboat.Engine.Repository;

namespace Lifeboat.Cli.Commands;

/// <summary>restic 0.14's key command: list, add, remove ID, passwd; restic 0.17's --new-insecure-no-password.</summary>
public sealed class KeyCommand : ICommandFactory
{
    public Command Create(GlobalOptions global)
    {
        var args = new Argument<string[]>("action") { Arity = ArgumentArity.OneOrMore, Description = "list|add|remove|passwd [ID]" };
        var newPasswordFile = new Option<string?>("--new-password-file") { Description = "file from which to read the new password" };
        var user = new Option<string?>("--user") { Description = "the username for new keys" };
        var host = new Option<string?>("--host") { Description = "the hostname for new keys" };
        var newInsecureNoPassword = new Option<bool>("--new-insecure-no-password") { Description = "add an empty password for the repository (insecure)" };
        var command = new Command("key", "Manage keys (passwords)") { args, newPasswordFile, newInsecureNoPassword, user, host };
        command.SetAction((parse, ct) => Program.Run(async () =>
        {
            var ctx = new CommandContext(global, parse);
            var a = parse.GetValue(args) ?? [];
            var action = a[0];
            if (action is not ("list" or "add" or "remove" or "passwd"))
                throw new CliException($"unknown key action \"{action}\": choose list, add, remove or passwd");
            if (action == "remove" && a.Length != 2) throw new CliException("key remove needs the ID of the key to remove");
            if (action != "remove" && a.Length != 1) throw new CliException($"key {action} takes no arguments");

            await using var repo = await ctx.OpenRepositoryAsync(ct);
            switch (action)
            {
                case "list":
                {
                    await using var l = await ctx.LockAsync(repo, exclusive: false, ct);
                    await ListAsync(ctx, repo, ct);
                    break;
                }
                case "add":
                {
                    await using var l = await ctx.LockAsync(repo, exclusive: false, ct);
                    var password = NewPassword(parse.GetValue(newPasswordFile), parse.GetValue(newInsecureNoPassword));
                    var name = await repo.AddKeyAsync(password, parse.GetValue(user) ?? Environment.UserName, parse.GetValue(host) ?? Posix.HostName, kdfParameters: null, ct);
                    ctx.Info($"saved new key as {name}");
                    break;
                }
                case "remove":
                {
                    await using var l = await ctx.LockAsync(repo, exclusive: true, ct);
                    var keys = await repo.ListKeysAsync(ct);
                    var matches = keys.Where(k => k.Name.StartsWith(a[1], StringComparison.Ordinal)).ToList();
                    if (matches.Count == 0 || a[1].Length == 0) throw new CliException($"no matching ID found for prefix \"{a[1]}\"");
                    if (matches.Count > 1) throw new CliException($"key ID prefix \"{a[1]}\" is ambiguous: it matches {matches.Count} keys");
                    if (matches[0].Name == repo.KeyName) throw new CliException("refusing to remove key currently used to access repository");
                    await repo.RemoveKeyAsync(matches[0].Name, ct);
                    ctx.Info($"removed key {matches[0].Name}");
                    break;
                }
                case "passwd":
                {
                    await using var l = await ctx.LockAsync(repo, exclusive: true, ct);
                    var password = NewPassword(parse.GetValue(newPasswordFile), parse.GetValue(newInsecureNoPassword));
                    // the new key first: if anything fails in between, the old password still works
                    var name = await repo.AddKeyAsync(password, parse.GetValue(user) ?? Environment.UserName, parse.GetValue(host) ?? Posix.HostName, kdfParameters: null, ct);
                    await repo.RemoveKeyAsync(repo.KeyName, ct);
                    ctx.Info($"saved new key as {name}");
                    break;
                }
            }
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    /// <summary>
    /// The new password: from --new-password-file, else asked twice on a terminal, else one line of stdin. Never from the
    /// environment. restic 0.17's --new-insecure-no-password makes it empty; the repository then opens with --insecure-no-password.
    /// </summary>
    private static string NewPassword(string? file, bool insecureNoPassword)
    {
        if (insecureNoPassword)
        {
            if (file is not null) throw new CliException("only either --new-password-file or --new-insecure-no-password may be specified");
            return "";
        }
        string? password;
        if (file is not null)
        {
            try { password = File.ReadAllText(file).Trim(); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new CliException($"cannot read new password file {file}: {e.Message}");
            }
        }
        else if (Posix.IsTerminal(0))
        {
            password = CommandContext.PromptHidden("enter new password: ");
            if (CommandContext.PromptHidden("enter password again: ") != password) throw new CliException("passwords do not match");
        }
        else
        {
            Console.Error.WriteLine("reading repository password from stdin");
            password = Console.In.ReadLine()?.TrimEnd('\r');
        }
        if (string.IsNullOrEmpty(password))
            throw new CliException("an empty password is not allowed by default. Pass the flag `--new-insecure-no-password` to restic to disable this check");
        return password;
    }

    private static async Task ListAsync(CommandContext ctx, Repository repo, CancellationToken ct)
    {
        var rows = new List<(bool Current, string Id, string User, string Host, string Created)>();
        foreach (var (name, key) in await repo.ListKeysAsync(ct))
        {
            string created = key.Created;
            try { created = GoTime.Parse(key.Created).ToDateTimeOffset().ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss"); }
            catch (FormatException) { }
            rows.Add((name == repo.KeyName, name[..Math.Min(8, name.Length)], key.Username ?? "", key.Hostname ?? "", created));
        }
        if (ctx.Json)
        {
            JsonOutput.Line(w =>
            {
                w.WriteStartArray();
                foreach (var r in rows)
                {
                    w.WriteStartObject();
                    w.WriteBoolean("current", r.Current);
                    w.WriteString("id", r.Id);
                    w.WriteString("userName", r.User);
                    w.WriteString("hostName", r.Host);
                    w.WriteString("created", r.Created);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
            });
            return;
        }
        string[] header = [" ID", "User", "Host", "Created"];
        var cells = rows.Select(r => new[] { (r.Current ? "*" : " ") + r.Id, r.User, r.Host, r.Created }).ToList();
        var widths = header.Select((h, i) => Math.Max(h.Length, cells.Count == 0 ? 0 : cells.Max(c => c[i].Length))).ToArray();
        string Line(string[] c) => string.Join("  ", c.Select((s, i) => i == c.Length - 1 ? s : s.PadRight(widths[i])));
        var rule = new string('-', Math.Max(Line(header).Length, cells.Count == 0 ? 0 : cells.Max(c => Line(c).Length)) + 0);
        ctx.Out.WriteLine(Line(header));
        ctx.Out.WriteLine(rule);
        foreach (var c in cells) ctx.Out.WriteLine(Line(c));
        ctx.Out.WriteLine(rule);
    }
}
