using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace Lifeboat.Stack.Configuration;

/// <summary>
/// dumps: of an app: a list of entries, each a database (kind: postgres, mariadb or mysql) or a program's output
/// (kind: command) streamed into the app's snapshot under <see cref="DumpLayout.Root"/>. Never a password inline: a
/// password: key is recorded as the top-level one is (the doctor reports it), and password-file names a file.
/// </summary>
public sealed partial class StackConfigParser
{
    private static readonly string[] DumpKeys =
        ["kind", "name", "container", "databases", "user", "password-file", "host", "port", "scratch-database", "command", "restore-command", "file"];

    private static readonly string[] DatabaseOnlyKeys = ["databases", "user", "password-file", "host", "port", "scratch-database"];
    private static readonly string[] CommandOnlyKeys = ["command", "restore-command", "file"];

    private const string KindChoices = "postgres, mariadb, mysql or command";

    /// <summary>The entry as read, before the checks that need all of its keys.</summary>
    private sealed record DumpDraft
    {
        public DumpKind? Kind { get; init; }
        public string? KindText { get; init; }
        public DumpConfig Dump { get; init; } = new() { Kind = DumpKind.Command, Name = "" };
        public bool HasDatabases { get; init; }
        public Dictionary<string, int> KeyLines { get; } = [];
    }

    private List<DumpConfig> ParseDumps(YamlNode node, string prefix, string app)
    {
        if (IsNull(node)) return [];
        if (node is not YamlSequenceNode sequence)
            throw Error(LineOf(node.Start), prefix, "must be a list of dumps, one \"- kind: ...\" per entry, e.g. - {kind: postgres, container: db, databases: [app]}");
        var dumps = new List<DumpConfig>();
        foreach (var item in sequence.Children)
        {
            var dump = ParseDump(item, prefix);
            if (dumps.FirstOrDefault(d => d.Name == dump.Name) is { } earlier)
                throw Error(dump.Line, $"{prefix}.name", $"\"{dump.Name}\" is already the name of the dump on line {earlier.Line} of apps.{app}; give each dump of an app its own name: (it is the folder {DumpLayout.Root}/NAME in the snapshot)");
            dumps.Add(dump);
        }
        return dumps;
    }

    private DumpConfig ParseDump(YamlNode node, string prefix)
    {
        int line = LineOf(node.Start);
        if (node is not YamlMappingNode)
            throw Error(line, prefix, "each dump is a mapping of keys, e.g. - {kind: postgres, databases: [app]}");
        var draft = FoldKeys(node, prefix, new DumpDraft { Dump = new DumpConfig { Kind = DumpKind.Command, Name = "", Line = line } }, DumpKeys, null,
            (d, key, value, full) =>
            {
                d.KeyLines[key] = LineOf(value.Start);
                var dump = d.Dump;
                return key switch
                {
                    "kind" => d with { KindText = NonEmptyText(value, full), Kind = ParseDumpKind(value, full) },
                    "name" => d with { Dump = dump with { Name = SafeFileName(value, full, "dump") } },
                    "container" => d with { Dump = dump with { Container = ContainerName(value, full) } },
                    "databases" => d with { HasDatabases = true, Dump = dump with { Databases = DatabaseNames(value, full) } },
                    "user" => d with { Dump = dump with { User = NonEmptyText(value, full) } },
                    "password-file" => d with { Dump = dump with { PasswordFile = Path.GetFullPath(NonEmptyText(value, full), _directory) } },
                    "host" => d with { Dump = dump with { Host = NonEmptyText(value, full) } },
                    "port" => d with { Dump = dump with { Port = Port(value, full) } },
                    "scratch-database" => d with { Dump = dump with { ScratchDatabase = SafeFileName(value, full, "database") } },
                    "command" => d with { Dump = dump with { Command = DumpCommand(value, full) } },
                    "restore-command" => d with { Dump = dump with { RestoreCommand = DumpCommand(value, full) } },
                    "file" => d with { Dump = dump with { FileName = SafeFileName(value, full, "file") } },
                    "password" => RecordInlinePassword(d, value, full),
                    _ => null,
                };
            });
        if (draft.Kind is not { } kind)
            throw Error(line, $"{prefix}.kind", $"is missing; say what this dump is: kind: {KindChoices}");
        var result = draft.Dump with { Kind = kind };
        if (kind == DumpKind.Command)
        {
            if (draft.KeyLines.Keys.FirstOrDefault(DatabaseOnlyKeys.Contains) is { } key)
                throw Error(draft.KeyLines[key], $"{prefix}.{key}", $"is for postgres and mariadb dumps; a command dump runs its command: as it is (put what it needs into the command)");
            if (result.Name.Length == 0)
                throw Error(line, $"{prefix}.name", "is missing; a command dump needs a name, unique in the app, e.g. name: redis (its folder in the snapshot)");
            if (result.Command is null)
                throw Error(line, $"{prefix}.command", "is missing; a command dump needs the program whose output is the dump, e.g. command: [redis-cli, --rdb, /dev/stdout]");
            return result;
        }
        if (draft.KeyLines.Keys.FirstOrDefault(CommandOnlyKeys.Contains) is { } commandKey)
            throw Error(draft.KeyLines[commandKey], $"{prefix}.{commandKey}", $"is for kind: command; a {draft.KindText} dump runs its own tools (for a program of your own use kind: command)");
        if (!draft.HasDatabases)
            throw Error(line, $"{prefix}.databases", "is missing; list the databases to dump, e.g. databases: [immich], or write databases: all");
        if (result.ScratchDatabase is { } scratch && result.Databases.Contains(scratch))
            throw Error(draft.KeyLines["scratch-database"], $"{prefix}.scratch-database", $"\"{scratch}\" is one of the databases this entry dumps; verify drops and re-creates the scratch database, so name one that holds nothing, e.g. lifeboat_verify");
        return result with { Name = result.Name.Length == 0 ? draft.KindText! : result.Name };
    }

    private DumpDraft RecordInlinePassword(DumpDraft draft, YamlNode value, string key)
    {
        // never echo the value
        _inlinePasswords.Add(Error(LineOf(value.Start), key, "a password is never written in lifeboat.yaml; put it in a file readable only by root (mode 0600) and name that file with password-file, or leave it out to use the container's own environment (POSTGRES_PASSWORD, MARIADB_ROOT_PASSWORD)"));
        return draft;
    }

    private DumpKind ParseDumpKind(YamlNode node, string key)
    {
        var text = NonEmptyText(node, key);
        return text switch
        {
            "postgres" => DumpKind.Postgres,
            "mariadb" or "mysql" => DumpKind.MariaDb,
            "command" => DumpKind.Command,
            _ => throw Error(LineOf(node.Start), key, $"\"{text}\" is not a kind of dump; use {KindChoices}"),
        };
    }

    private string ContainerName(YamlNode node, string key)
    {
        var name = NonEmptyText(node, key);
        if (!ContainerNamePattern().IsMatch(name))
            throw Error(LineOf(node.Start), key, $"\"{name}\" is not a valid container name; use the name Docker shows (letters, digits and _ . -)");
        return name.TrimStart('/');
    }

    /// <summary>A list of database names, or all (written databases: all or [all]), which is the empty list.</summary>
    private List<string> DatabaseNames(YamlNode node, string key)
    {
        if (node is YamlScalarNode scalar && !IsNull(scalar) && scalar.Value == "all") return [];
        var names = new List<string>();
        var items = TextList(node, key);
        if (items.Count == 0)
            throw Error(LineOf(node.Start), key, "is empty; list the databases to dump, e.g. databases: [immich], or write databases: all");
        foreach (var (name, line) in items)
        {
            if (name == "all")
            {
                if (items.Count > 1)
                    throw Error(line, key, "all cannot be mixed with database names; write databases: all (one file of every database) or list the names");
                return [];
            }
            CheckSafeFileName(name, line, key, "database");
            if (names.Contains(name)) throw Error(line, key, $"\"{name}\" is listed twice; remove one");
            names.Add(name);
        }
        return names;
    }

    private string SafeFileName(YamlNode node, string key, string what)
    {
        var text = NonEmptyText(node, key);
        CheckSafeFileName(text, LineOf(node.Start), key, what);
        return text;
    }

    /// <summary>A name that becomes one file or folder name in the snapshot: no '/', not . or .., no control characters.</summary>
    private void CheckSafeFileName(string name, int line, string key, string what)
    {
        if (name.Length == 0 || name is "." or ".." || name.Contains('/') || name.Any(char.IsControl))
            throw Error(line, key, $"\"{Printable(name)}\" cannot be a {what} name here: it becomes a file name in the snapshot, so it may not be empty, . or .., nor hold a / or a control character");
        // a database name is an argument of the dump tools: one that starts with - would be read as an option
        if (what == "database" && name.StartsWith('-'))
            throw Error(line, key, $"\"{name}\" cannot be a database name here: the dump tools would read it as an option; rename the database, or dump all");
    }

    private static string Printable(string text) => string.Concat(text.Select(c => char.IsControl(c) ? $"\\x{(int)c:x2}" : c.ToString()));

    private int Port(YamlNode node, string key)
    {
        var text = NonEmptyText(node, key);
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port < 1 || port > 65535)
            throw Error(LineOf(node.Start), key, $"\"{text}\" is not a port; use a number from 1 to 65535, e.g. 5432");
        return port;
    }

    /// <summary>An argv list, or a string split into words as a hook's is (run without a shell).</summary>
    private List<string> DumpCommand(YamlNode node, string key) => node switch
    {
        YamlSequenceNode list => Argv(list, key),
        _ => SplitWords(NonEmptyText(node, key), LineOf(node.Start), key),
    };

    /// <summary>
    /// What the app's other keys and its dumps say together: no path inside the dumps' folder (or holding it, when the
    /// app has dumps), and no dump inside a container that consistency: stop stops.
    /// </summary>
    private void CheckDumpsOfApp(string prefix, IReadOnlyList<string> paths, IReadOnlyList<int> pathLines, IReadOnlyList<DumpConfig> dumps,
        ConsistencyMode consistency, IReadOnlyList<string> containers)
    {
        for (int i = 0; i < paths.Count; i++)
        {
            if (IsSameOrUnder(paths[i], DumpLayout.Root))
                throw Error(pathLines[i], $"{prefix}.paths", $"{paths[i]} lies in {DumpLayout.Root}, the folder that holds the dumps in each snapshot; back up the files from where they are");
            if (dumps.Count > 0 && IsSameOrUnder(DumpLayout.Root, paths[i]))
                throw Error(pathLines[i], $"{prefix}.paths", $"{paths[i]} holds {DumpLayout.Root}, where this app's dumps go in its snapshot; list the folders below {paths[i]} instead");
        }
        if (consistency != ConsistencyMode.Stop) return;
        foreach (var dump in dumps)
            if (dump.Container is { } container && containers.Contains(container))
                throw Error(dump.Line, $"{prefix}.dumps.container", $"{container} is stopped by consistency: stop, so a dump cannot run inside it; leave {container} out of containers: (the dump is what keeps its data consistent) or dump from the host");
    }
}
