using System.Globalization;
using System.Text.RegularExpressions;
using Lifeboat.Engine.Backup;
using Lifeboat.Engine.Maintenance;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Lifeboat.Stack.Configuration;

/// <summary>
/// Reads lifeboat.yaml through YamlDotNet's representation model, so every node keeps its line: each problem
/// is reported as "FILE:LINE: key "a.b.c": what is wrong; what would be valid". Unknown keys are errors.
/// Only what the file itself says is checked here; what depends on the machine (paths that exist) is
/// <see cref="StackConfigValidator"/>'s.
/// </summary>
public sealed partial class StackConfigParser
{
    private static readonly string[] TopLevelKeys = ["repository", "password-file", "password-command", "credentials-file", "offsite", "host", "apps", "never", "compression", "pack-size", "retention", "doctor", "schedule", "notify", "hooks", "dashboard"];
    private static readonly string[] OffsiteKeys = ["repository", "password-file", "password-command", "credentials-file"];
    private static readonly string[] AppKeys = ["paths", "exclude", "containers", "consistency", "retention", "hooks", "dumps"];

    private readonly string _file;
    private readonly string _directory;

    private StackConfigParser(string file, string directory)
    {
        _file = file;
        _directory = directory;
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9_.-]*$")]
    private static partial Regex AppNamePattern();

    [GeneratedRegex(@"^/?[a-zA-Z0-9][a-zA-Z0-9_.-]*$")]
    private static partial Regex ContainerNamePattern();

    /// <summary>A password: key, recorded instead of thrown so that the doctor can report it beside the rest.</summary>
    private readonly List<StackConfigException> _inlinePasswords = [];

    /// <summary>
    /// Parses the text of a config file; the first problem is thrown. Relative repository and password-file paths
    /// are taken relative to <paramref name="directory"/>.
    /// </summary>
    public static StackConfig Parse(string yaml, string file, string directory, string defaultHost)
    {
        var analysis = Analyze(yaml, file, directory, defaultHost);
        // a password key first (it is what matters most), then what stopped the parse, then the never overlaps
        if (analysis.Problems.Count > 0) throw analysis.Problems[0];
        return analysis.Config!;
    }

    /// <summary>
    /// Parses the text of a config file and returns every problem instead of throwing the first: what the doctor
    /// needs to report an invalid file item by item.
    /// </summary>
    public static StackConfigAnalysis Analyze(string yaml, string file, string directory, string defaultHost)
    {
        var parser = new StackConfigParser(file, directory);
        try
        {
            var (config, underNever) = parser.ParseDocument(yaml, defaultHost);
            return new StackConfigAnalysis { Config = config, InlinePasswords = parser._inlinePasswords, PathsUnderNever = underNever };
        }
        catch (StackConfigException e)
        {
            return new StackConfigAnalysis { Error = e, InlinePasswords = parser._inlinePasswords };
        }
    }

    private (StackConfig Config, List<StackConfigException> UnderNever) ParseDocument(string yaml, string defaultHost)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException e)
        {
            throw Error(LineOf(e.Start), "", "this is not valid YAML: " + YamlProblem(e));
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet fails this way on some broken flow collections; find where its parser stopped
            throw Error(LastGoodLine(yaml), "", "this is not valid YAML: an unclosed [ ] or { } list or mapping?");
        }
        catch (ArgumentException e)
        {
            // YamlDotNet's mapping rejects a repeated key this way; it carries no position
            throw Error(0, "", "this is not valid YAML: " + e.Message.Split('\n')[0].Trim());
        }
        if (stream.Documents.Count == 0 || IsNull(stream.Documents[0].RootNode))
            throw Error(0, "", "the file is empty; it needs at least repository and apps");
        if (stream.Documents.Count > 1)
            throw Error(LineOf(stream.Documents[1].RootNode.Start), "", "the file holds more than one YAML document; keep one");
        var root = Mapping(stream.Documents[0].RootNode, "");

        string? repository = null, passwordFile = null, passwordCommand = null, credentialsFile = null, host = null, compression = null;
        OffsiteConfig? offsite = null;
        int? packSize = null;
        ForgetPolicy? retention = null;
        var doctor = new DoctorSettings();
        ScheduleConfig? schedule = null;
        var notify = new List<NotifyTarget>();
        var hooks = HookSet.None;
        var dashboard = new DashboardConfig();
        var apps = new List<AppConfig>();
        var never = new List<(string Path, int Line)>();
        int appsLine = 0;
        foreach (var (keyNode, value) in root.Children)
        {
            var key = KeyName(keyNode, "");
            int line = LineOf(keyNode.Start);
            switch (key)
            {
                case "repository": repository = NonEmptyText(value, key); break;
                case "password-file": passwordFile = NonEmptyText(value, key); break;
                case "password-command": passwordCommand = NonEmptyText(value, key); break;
                case "credentials-file": credentialsFile = Path.GetFullPath(NonEmptyText(value, key), _directory); break;
                case "offsite": offsite = ParseOffsite(value, line); break;
                case "host": host = NonEmptyText(value, key); break;
                case "compression":
                    compression = NonEmptyText(value, key);
                    if (compression is not ("auto" or "off" or "max"))
                        throw Error(LineOf(value.Start), key, $"\"{compression}\" is not valid; use auto, off or max");
                    break;
                case "pack-size":
                    var text = NonEmptyText(value, key);
                    if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var mib) || mib < 4 || mib > 128)
                        throw Error(LineOf(value.Start), key, $"\"{text}\" is not valid; use a number of MiB from 4 to 128");
                    packSize = mib;
                    break;
                case "never":
                    foreach (var (item, itemLine) in TextList(value, key)) never.Add((AbsolutePath(item, itemLine, key), itemLine));
                    break;
                case "retention":
                    retention = ParseRetention(value, key);
                    break;
                case "doctor":
                    doctor = ParseDoctor(value);
                    break;
                case "schedule":
                    schedule = ParseSchedule(value);
                    break;
                case "notify":
                    notify = ParseNotify(value);
                    break;
                case "hooks":
                    hooks = ParseHooks(value, key);
                    break;
                case "dashboard":
                    dashboard = ParseDashboard(value, line);
                    break;
                case "apps":
                    appsLine = line;
                    apps.AddRange(ParseApps(value));
                    break;
                case "password":
                    // never echo the value: it is a secret that should not be in this file at all
                    _inlinePasswords.Add(Error(line, key, "a password is never written in lifeboat.yaml; put it in a file readable only by root and name that file with password-file (or use password-command)"));
                    break;
                default:
                    throw Error(line, key, $"is not a known key; valid keys are {string.Join(", ", TopLevelKeys)}");
            }
        }
        if (repository is null) throw Error(0, "repository", "is missing; name the repository location, e.g. repository: /srv/backup/media-vm");
        if (passwordFile is not null && passwordCommand is not null)
            throw Error(LineOf(root.Children.First(c => KeyName(c.Key, "") == "password-command").Key.Start), "password-command", "use either password-file or password-command, not both");
        if (apps.Count == 0) throw Error(appsLine, "apps", "at least one app is needed, e.g. apps: { plex: { paths: [/mnt/plexdata] } }");
        CheckScheduledApps(apps);

        var underNever = new List<StackConfigException>();
        foreach (var app in apps)
        {
            for (int i = 0; i < app.Paths.Count; i++)
            {
                foreach (var (neverPath, _) in never)
                    if (IsSameOrUnder(app.Paths[i], neverPath))
                        underNever.Add(Error(app.PathLines[i], $"apps.{app.Name}.paths",
                            $"{app.Paths[i]} {(app.Paths[i] == neverPath ? "is" : "lies under")} {neverPath}, which is listed under never; remove one of them"));
            }
        }

        return (new StackConfig
        {
            File = _file,
            Repository = ResolveRepository(repository),
            PasswordFile = passwordFile is null ? null : Path.GetFullPath(passwordFile, _directory),
            PasswordCommand = passwordCommand,
            CredentialsFile = credentialsFile,
            Offsite = offsite,
            Host = host ?? defaultHost,
            Apps = apps,
            Never = never.Select(n => n.Path).ToList(),
            Compression = compression,
            PackSizeMiB = packSize,
            Retention = retention,
            Doctor = doctor,
            Schedule = schedule,
            Notify = notify,
            Hooks = hooks,
            Dashboard = dashboard,
        }, underNever);
    }

    private List<AppConfig> ParseApps(YamlNode node)
    {
        var apps = new List<AppConfig>();
        if (IsNull(node)) return apps;
        foreach (var (nameNode, body) in Mapping(node, "apps").Children)
        {
            var name = KeyName(nameNode, "apps");
            int line = LineOf(nameNode.Start);
            if (!AppNamePattern().IsMatch(name))
                throw Error(line, $"apps.{name}", "is not a valid app name; use lower-case letters, digits and _ . - (starting with a letter or digit)");
            var prefix = $"apps.{name}";
            var paths = new List<string>();
            var pathLines = new List<int>();
            var exclude = new List<string>();
            var containers = new List<string>();
            var consistency = ConsistencyMode.None;
            ForgetPolicy? retention = null;
            var hooks = HookSet.None;
            List<DumpConfig> dumps = [];
            bool hasPaths = false;
            foreach (var (keyNode, value) in Mapping(body, prefix).Children)
            {
                var key = KeyName(keyNode, prefix);
                var full = $"{prefix}.{key}";
                switch (key)
                {
                    case "paths":
                        hasPaths = true;
                        foreach (var (item, itemLine) in TextList(value, full))
                        {
                            paths.Add(AbsolutePath(item, itemLine, full));
                            pathLines.Add(itemLine);
                        }
                        break;
                    case "exclude":
                        foreach (var (item, itemLine) in TextList(value, full))
                        {
                            if (item.Length == 0) throw Error(itemLine, full, "an empty pattern is not valid; remove it");
                            exclude.Add(item);
                        }
                        break;
                    case "containers":
                        foreach (var (item, itemLine) in TextList(value, full))
                        {
                            if (!ContainerNamePattern().IsMatch(item))
                                throw Error(itemLine, full, $"\"{item}\" is not a valid container name; use the name Docker shows (letters, digits and _ . -)");
                            containers.Add(item.TrimStart('/'));
                        }
                        break;
                    case "consistency":
                        var mode = NonEmptyText(value, full);
                        consistency = mode switch
                        {
                            "stop" => ConsistencyMode.Stop,
                            "sqlite" => ConsistencyMode.Sqlite,
                            "none" => ConsistencyMode.None,
                            _ => throw Error(LineOf(value.Start), full, $"\"{mode}\" is not valid; use stop, sqlite or none"),
                        };
                        break;
                    case "retention":
                        retention = ParseRetention(value, full);
                        break;
                    case "hooks":
                        hooks = ParseHooks(value, full);
                        break;
                    case "dumps":
                        dumps = ParseDumps(value, full, name);
                        break;
                    default:
                        throw Error(LineOf(keyNode.Start), full, $"is not a known key; valid keys for an app are {string.Join(", ", AppKeys)}");
                }
            }
            if (!hasPaths || paths.Count == 0)
                throw Error(line, $"{prefix}.paths", "is missing or empty; list the absolute paths that hold the app's state, e.g. paths: [/mnt/plexdata]");
            if (consistency == ConsistencyMode.Stop && containers.Count == 0)
                throw Error(line, $"{prefix}.containers", "consistency: stop needs the containers to stop; list them, e.g. containers: [plex]");
            CheckDumpsOfApp(prefix, paths, pathLines, dumps, consistency, containers);
            apps.Add(new AppConfig
            {
                Name = name, Paths = paths, PathLines = pathLines, Exclude = exclude, Containers = containers,
                Consistency = consistency, Line = line, Retention = retention, Hooks = hooks, Dumps = dumps,
            });
        }
        return apps;
    }

    private static readonly string[] RetentionKeys =
    [
        "keep-last", "keep-hourly", "keep-daily", "keep-weekly", "keep-monthly", "keep-yearly",
        "keep-within", "keep-within-hourly", "keep-within-daily", "keep-within-weekly", "keep-within-monthly", "keep-within-yearly",
        "keep-tag",
    ];

    /// <summary>restic's forget policy, written as its flags without the dashes (keep-daily: 7, keep-within: 2y, keep-tag: [a]).</summary>
    private ForgetPolicy ParseRetention(YamlNode node, string prefix)
    {
        var policy = new ForgetPolicy();
        foreach (var (keyNode, value) in Mapping(node, prefix).Children)
        {
            var key = KeyName(keyNode, prefix);
            var full = $"{prefix}.{key}";
            switch (key)
            {
                case "keep-last": policy = policy with { Last = Count(value, full) }; break;
                case "keep-hourly": policy = policy with { Hourly = Count(value, full) }; break;
                case "keep-daily": policy = policy with { Daily = Count(value, full) }; break;
                case "keep-weekly": policy = policy with { Weekly = Count(value, full) }; break;
                case "keep-monthly": policy = policy with { Monthly = Count(value, full) }; break;
                case "keep-yearly": policy = policy with { Yearly = Count(value, full) }; break;
                case "keep-within": policy = policy with { Within = Duration(value, full) }; break;
                case "keep-within-hourly": policy = policy with { WithinHourly = Duration(value, full) }; break;
                case "keep-within-daily": policy = policy with { WithinDaily = Duration(value, full) }; break;
                case "keep-within-weekly": policy = policy with { WithinWeekly = Duration(value, full) }; break;
                case "keep-within-monthly": policy = policy with { WithinMonthly = Duration(value, full) }; break;
                case "keep-within-yearly": policy = policy with { WithinYearly = Duration(value, full) }; break;
                case "keep-tag":
                    var lists = new List<IReadOnlyList<string>>();
                    foreach (var (item, itemLine) in TextList(value, full))
                    {
                        var tags = item.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                        if (tags.Length == 0) throw Error(itemLine, full, "an empty tag list is not valid; remove it");
                        lists.Add(tags);
                    }
                    policy = policy with { Tags = lists };
                    break;
                default:
                    throw Error(LineOf(keyNode.Start), full, $"is not a known key; valid keys are {string.Join(", ", RetentionKeys)}");
            }
        }
        if (policy.IsEmpty)
            throw Error(LineOf(node.Start), prefix, "keeps nothing; name at least one rule, e.g. keep-daily: 7 (an empty policy would remove every snapshot)");
        return policy;
    }

    private int Count(YamlNode node, string key)
    {
        var text = NonEmptyText(node, key);
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n < 1)
            throw Error(LineOf(node.Start), key, $"\"{text}\" is not valid; use a whole number of snapshots, 1 or more");
        return n;
    }

    private RetentionDuration Duration(YamlNode node, string key)
    {
        var text = NonEmptyText(node, key);
        try
        {
            var duration = RetentionDuration.Parse(text);
            if (!duration.IsZero) return duration;
        }
        catch (FormatException)
        {
        }
        throw Error(LineOf(node.Start), key, $"\"{text}\" is not valid; use restic's duration, number-unit pairs with units y, m, d, h, e.g. 1y6m or 14d");
    }

    private static readonly string[] DoctorKeys = ["backup-max-age", "restore-test-max-age"];

    /// <summary>The second repository (3-2-1): its location, and its own password and credentials where they differ.</summary>
    private OffsiteConfig ParseOffsite(YamlNode node, int line)
    {
        string? repository = null, passwordFile = null, passwordCommand = null, credentialsFile = null;
        int commandLine = 0;
        foreach (var (keyNode, value) in Mapping(node, "offsite").Children)
        {
            var key = KeyName(keyNode, "offsite");
            var full = $"offsite.{key}";
            switch (key)
            {
                case "repository": repository = ResolveRepository(NonEmptyText(value, full)); break;
                case "password-file": passwordFile = Path.GetFullPath(NonEmptyText(value, full), _directory); break;
                case "password-command": passwordCommand = NonEmptyText(value, full); commandLine = LineOf(keyNode.Start); break;
                case "credentials-file": credentialsFile = Path.GetFullPath(NonEmptyText(value, full), _directory); break;
                case "password":
                    _inlinePasswords.Add(Error(LineOf(keyNode.Start), full, "a password is never written in lifeboat.yaml; put it in a file readable only by root and name that file with password-file (or use password-command)"));
                    break;
                default:
                    throw Error(LineOf(keyNode.Start), full, $"is not a known key; valid keys are {string.Join(", ", OffsiteKeys)}");
            }
        }
        if (repository is null) throw Error(line, "offsite.repository", "is missing; name the second repository, e.g. repository: s3:https://s3.example.com/bucket/media-vm");
        if (passwordFile is not null && passwordCommand is not null)
            throw Error(commandLine, "offsite.password-command", "use either password-file or password-command, not both");
        return new OffsiteConfig { Repository = repository, PasswordFile = passwordFile, PasswordCommand = passwordCommand, CredentialsFile = credentialsFile };
    }

    private DoctorSettings ParseDoctor(YamlNode node)
    {
        var settings = new DoctorSettings();
        foreach (var (keyNode, value) in Mapping(node, "doctor").Children)
        {
            var key = KeyName(keyNode, "doctor");
            var full = $"doctor.{key}";
            settings = key switch
            {
                "backup-max-age" => settings with { BackupMaxAge = Age(value, full) },
                "restore-test-max-age" => settings with { RestoreTestMaxAge = Age(value, full) },
                _ => throw Error(LineOf(keyNode.Start), full, $"is not a known key; valid keys are {string.Join(", ", DoctorKeys)}"),
            };
        }
        return settings;
    }

    /// <summary>An age such as 26h, 7d, 2w or 1d12h.</summary>
    private TimeSpan Age(YamlNode node, string key)
    {
        var text = NonEmptyText(node, key);
        var match = AgePattern().Match(text);
        if (match.Success)
        {
            var age = TimeSpan.Zero;
            foreach (Capture part in match.Groups["part"].Captures)
            {
                long n = long.Parse(part.Value[..^1], CultureInfo.InvariantCulture);
                age += part.Value[^1] switch { 'w' => TimeSpan.FromDays(7 * n), 'd' => TimeSpan.FromDays(n), 'h' => TimeSpan.FromHours(n), _ => TimeSpan.FromMinutes(n) };
            }
            if (age > TimeSpan.Zero) return age;
        }
        throw Error(LineOf(node.Start), key, $"\"{text}\" is not valid; use a number with a unit w, d, h or m (minutes), e.g. 26h, 7d or 1d12h");
    }

    [GeneratedRegex(@"^(?<part>\d{1,6}[wdhm])+$")]
    private static partial Regex AgePattern();

    private string ResolveRepository(string repository)
    {
        // a scheme (local:, sftp:, ...) or an absolute path is taken as it is
        if (repository.StartsWith('/') || repository.Contains(':')) return repository;
        return Path.GetFullPath(repository, _directory);
    }

    private string AbsolutePath(string path, int line, string key)
    {
        if (!path.StartsWith('/'))
            throw Error(line, key, $"\"{path}\" is not an absolute path; write it from the root, e.g. /mnt/{path.TrimStart('.', '/')}");
        return Archiver.CleanPath(path);
    }

    public static bool IsSameOrUnder(string path, string ancestor) =>
        path == ancestor || ancestor == "/" || path.StartsWith(ancestor + "/", StringComparison.Ordinal);

    private YamlMappingNode Mapping(YamlNode node, string key)
    {
        if (node is YamlMappingNode mapping) return mapping;
        if (IsNull(node)) return new YamlMappingNode();
        throw Error(LineOf(node.Start), key, key.Length == 0 ? "the file must be a mapping of keys (repository:, apps:, ...)" : "must be a mapping of keys");
    }

    private string KeyName(YamlNode node, string parent)
    {
        if (node is YamlScalarNode { Value: { } v }) return v;
        throw Error(LineOf(node.Start), parent, "a key must be a plain name");
    }

    private string NonEmptyText(YamlNode node, string key)
    {
        if (node is YamlScalarNode scalar && !IsNull(scalar) && scalar.Value is { Length: > 0 } v) return v;
        throw Error(LineOf(node.Start), key, node is YamlScalarNode ? "must not be empty" : "must be a single value, not a list or mapping");
    }

    /// <summary>A list of text values; an empty value is an empty list.</summary>
    private List<(string Value, int Line)> TextList(YamlNode node, string key)
    {
        if (IsNull(node)) return [];
        if (node is not YamlSequenceNode sequence)
            throw Error(LineOf(node.Start), key, "must be a list, e.g. [/mnt/data] or one \"- item\" per line");
        var items = new List<(string, int)>();
        foreach (var item in sequence.Children)
        {
            if (item is not YamlScalarNode { Value: { } v } || IsNull(item))
                throw Error(LineOf(item.Start), key, "every item must be a single text value");
            items.Add((v, LineOf(item.Start)));
        }
        return items;
    }

    private static bool IsNull(YamlNode node) =>
        node is YamlScalarNode { Style: ScalarStyle.Plain or ScalarStyle.Any, Value: null or "" or "~" or "null" or "Null" or "NULL" };

    private static int LastGoodLine(string yaml)
    {
        var parser = new Parser(new StringReader(yaml));
        int line = 0;
        try
        {
            while (parser.MoveNext()) line = (int)parser.Current!.End.Line;
        }
        catch (Exception e) when (e is YamlException or InvalidOperationException)
        {
            if (e is YamlException y) line = (int)y.Start.Line;
        }
        return line;
    }

    private static int LineOf(Mark mark) => (int)mark.Line;

    private static string YamlProblem(YamlException e)
    {
        // YamlDotNet prefixes its message with the positions; the line is already in front of ours
        var message = e.InnerException is YamlException inner ? inner.Message : e.Message;
        int marker = message.IndexOf("): ", StringComparison.Ordinal);
        if (message.StartsWith("(Line", StringComparison.Ordinal) && marker >= 0) message = message[(marker + 3)..];
        return message.Trim();
    }

    private StackConfigException Error(int line, string key, string problem) => new(_file, line, key, problem);
}
