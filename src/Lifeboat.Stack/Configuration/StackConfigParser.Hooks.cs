using System.Text;
using YamlDotNet.RepresentationModel;

namespace Lifeboat.Stack.Configuration;

/// <summary>
/// hooks: (of the stack or of an app): backup.before/after/on-failure/finally and restore.before/after, each one
/// hook or a list of hooks. A hook is an argv list, a string split into words as a shell would but run without one,
/// or a mapping {command:, shell:, timeout:}.
/// </summary>
public sealed partial class StackConfigParser
{
    private static readonly string[] HookSetKeys = ["backup", "restore"];
    private static readonly string[] BackupHookKeys = ["before", "after", "on-failure", "finally"];
    private static readonly string[] RestoreHookKeys = ["before", "after"];
    private static readonly string[] HookKeys = ["command", "shell", "timeout"];

    /// <summary>What a shell would read as syntax outside quotes: a plain hook string holding one needs shell:.</summary>
    private const string ShellSyntax = "|&;<>()$`";

    private HookSet ParseHooks(YamlNode node, string prefix) =>
        FoldKeys(node, prefix, HookSet.None, HookSetKeys, null, (hooks, key, value, full) => key switch
        {
            "backup" => hooks with { Backup = ParseBackupHooks(value, full) },
            "restore" => hooks with { Restore = ParseRestoreHooks(value, full) },
            _ => null,
        });

    private BackupHooks ParseBackupHooks(YamlNode node, string prefix) =>
        FoldKeys(node, prefix, new BackupHooks(), BackupHookKeys, null, (hooks, key, value, full) => key switch
        {
            "before" => hooks with { Before = HookList(value, full) },
            "after" => hooks with { After = HookList(value, full) },
            "on-failure" => hooks with { OnFailure = HookList(value, full) },
            "finally" => hooks with { Finally = HookList(value, full) },
            _ => null,
        });

    private RestoreHooks ParseRestoreHooks(YamlNode node, string prefix) =>
        FoldKeys(node, prefix, new RestoreHooks(), RestoreHookKeys, "a restore has no on-failure or finally hooks", (hooks, key, value, full) => key switch
        {
            "before" => hooks with { Before = HookList(value, full) },
            "after" => hooks with { After = HookList(value, full) },
            _ => null,
        });

    /// <summary>
    /// A mapping read key by key into a record: <paramref name="apply"/> returns the record with the key's value, or
    /// null for a key it does not know, which is an error naming the valid keys (and <paramref name="hint"/>).
    /// </summary>
    private T FoldKeys<T>(YamlNode node, string prefix, T seed, string[] validKeys, string? hint, Func<T, string, YamlNode, string, T?> apply)
        where T : class
    {
        var result = seed;
        foreach (var (keyNode, value) in Mapping(node, prefix).Children)
        {
            var key = KeyName(keyNode, prefix);
            var full = $"{prefix}.{key}";
            result = apply(result, key, value, full)
                ?? throw Error(LineOf(keyNode.Start), full, $"is not a known key; valid keys are {string.Join(", ", validKeys)}{(hint is null ? "" : "; " + hint)}");
        }
        return result;
    }

    /// <summary>One hook (a string or a mapping), or a list of hooks; an argv list is a hook only as an item of that list.</summary>
    private List<HookConfig> HookList(YamlNode node, string key)
    {
        if (IsNull(node)) return [];
        if (node is not YamlSequenceNode sequence) return [ParseHook(node, key, single: true)];
        return sequence.Children.Select(item => ParseHook(item, key, single: false)).ToList();
    }

    private HookConfig ParseHook(YamlNode node, string key, bool single)
    {
        int line = LineOf(node.Start);
        switch (node)
        {
            case YamlSequenceNode argv:
                return new HookConfig { Command = Argv(argv, key), Line = line };
            case YamlScalarNode:
                var text = NonEmptyText(node, key);
                // `before: [pg_isready, -h, db]` is a list of three hooks; its "-h" would run as a program
                if (!single && text.StartsWith('-'))
                    throw Error(line, key, $"\"{text}\" would run as a command of its own: each item of this list is one hook; write a command with its arguments as one string (\"pg_isready -h db\") or as a nested list ([[pg_isready, -h, db]])");
                return new HookConfig { Command = SplitWords(text, line, key), Line = line };
            case YamlMappingNode mapping:
                return ParseHookMapping(mapping, key, line);
            default:
                throw Error(line, key, "a hook is a command string, a list of words, or a mapping with command: or shell:");
        }
    }

    private HookConfig ParseHookMapping(YamlMappingNode mapping, string key, int line)
    {
        YamlNode? command = null, shell = null;
        var timeout = HookConfig.DefaultTimeout;
        foreach (var (keyNode, value) in mapping.Children)
        {
            var name = KeyName(keyNode, key);
            switch (name)
            {
                case "command": command = value; break;
                case "shell": shell = value; break;
                case "timeout": timeout = HookTimeout(value, $"{key}.timeout"); break;
                default:
                    throw Error(LineOf(keyNode.Start), $"{key}.{name}", $"is not a known key of a hook; valid keys are {string.Join(", ", HookKeys)}");
            }
        }
        bool? shellFlag = shell is YamlScalarNode { Style: YamlDotNet.Core.ScalarStyle.Plain, Value: "true" or "false" } flag ? flag.Value == "true" : null;
        if (shell is not null && shellFlag is null)
        {
            // shell: "script"
            if (command is not null)
                throw Error(LineOf(command.Start), $"{key}.command", "give either command: or a shell: script, not both (or shell: true to run command: with /bin/sh -c)");
            return new HookConfig { Shell = NonEmptyText(shell, $"{key}.shell"), Timeout = timeout, Line = line };
        }
        if (command is null) throw Error(line, key, "a hook mapping needs command: (a list or a string) or shell: (a script for /bin/sh -c)");
        if (shellFlag == true)
        {
            if (command is YamlSequenceNode)
                throw Error(LineOf(command.Start), $"{key}.command", "with shell: true give the command as one string, the script /bin/sh -c runs");
            return new HookConfig { Shell = NonEmptyText(command, $"{key}.command"), Timeout = timeout, Line = line };
        }
        var argv = command is YamlSequenceNode list ? Argv(list, $"{key}.command") : SplitWords(NonEmptyText(command, $"{key}.command"), LineOf(command.Start), $"{key}.command");
        return new HookConfig { Command = argv, Timeout = timeout, Line = line };
    }

    private List<string> Argv(YamlSequenceNode sequence, string key)
    {
        var words = TextList(sequence, key).Select(w => w.Value).ToList();
        if (words.Count == 0 || words[0].Length == 0) throw Error(LineOf(sequence.Start), key, "the command is empty; its first word is the program to run");
        return words;
    }

    /// <summary>
    /// Words as a shell splits them (whitespace; 'single' and "double" quotes; backslash), without any of its
    /// expansions: shell syntax outside single quotes is an error that points to shell:.
    /// </summary>
    private List<string> SplitWords(string text, int line, string key)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        bool inWord = false;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (char.IsWhiteSpace(c))
            {
                if (inWord) words.Add(word.ToString());
                word.Clear();
                inWord = false;
                continue;
            }
            inWord = true;
            if (c == '\'')
            {
                int end = text.IndexOf('\'', i + 1);
                if (end < 0) throw Error(line, key, $"\"{text}\" has an unclosed ' quote");
                word.Append(text, i + 1, end - i - 1);
                i = end;
            }
            else if (c == '"')
            {
                int j = i + 1;
                for (; j < text.Length && text[j] != '"'; j++)
                {
                    if (text[j] == '\\' && j + 1 < text.Length && text[j + 1] is '"' or '\\' or '$' or '`') word.Append(text[++j]);
                    else if (text[j] is '$' or '`') throw ShellSyntaxError(text, text[j], line, key);
                    else word.Append(text[j]);
                }
                if (j >= text.Length) throw Error(line, key, $"\"{text}\" has an unclosed \" quote");
                i = j;
            }
            else if (c == '\\')
            {
                if (i + 1 < text.Length) word.Append(text[++i]);
            }
            else if (ShellSyntax.Contains(c))
                throw ShellSyntaxError(text, c, line, key);
            else
                word.Append(c);
        }
        if (inWord) words.Add(word.ToString());
        if (words.Count == 0) throw Error(line, key, "the command is empty; its first word is the program to run");
        return words;
    }

    private StackConfigException ShellSyntaxError(string text, char syntax, int line, string key) =>
        Error(line, key, $"\"{text}\" uses shell syntax ({syntax}), but a hook string runs without a shell; to run it with /bin/sh -c write it as a mapping: {{shell: \"{text.Replace("\"", "\\\"")}\"}}");

    /// <summary>A timeout such as 30s, 5m or 1h30m; more than zero.</summary>
    private TimeSpan HookTimeout(YamlNode node, string key)
    {
        var text = NonEmptyText(node, key);
        if (HoursMinutesSeconds(text) is { } timeout && timeout > TimeSpan.Zero) return timeout;
        throw Error(LineOf(node.Start), key, $"\"{text}\" is not valid; use a number with a unit h, m or s, more than zero, e.g. 30s, 5m or 1h30m");
    }
}
