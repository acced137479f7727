using System.CommandLine;
using System.Text;

namespace Lifeboat.Cli.Commands;

/// <summary>
/// Completion scripts for bash, zsh and fish: each word after "lifeboat" that names a (sub)command narrows what is
/// offered next, its subcommands or, for a word starting with '-', its flags and the global ones; file names otherwise.
/// </summary>
internal static class ShellCompletion
{
    private const string Program = "lifeboat";

    /// <summary>Each command path ("lifeboat", "lifeboat key", ...) with its subcommand names and its flags (global ones included).</summary>
    private static List<(string Path, string Subcommands, string Flags)> Table(Command root)
    {
        var rows = new List<(string, string, string)> { Row(Program, root) };
        foreach (var (path, command) in CommandTree.Commands(root)) rows.Add(Row($"{Program} {path}", command));
        return rows;
    }

    private static (string, string, string) Row(string path, Command command) =>
        (path, string.Join(' ', command.Subcommands.Where(c => !c.Hidden).Select(c => c.Name)),
            string.Join(' ', CommandTree.Options(command, inherited: false).Concat(CommandTree.Options(command, inherited: true))
                .SelectMany(CommandTree.Names).Append("--help").Distinct()));

    public static string Bash(Command root)
    {
        var table = Table(root);
        var s = new StringBuilder();
        s.Append($$"""
            # bash completion for {{Program}}, written by `{{Program}} generate --bash-completion`

            __{{Program}}_words()
            {
                case "$1" in

            """);
        foreach (var (path, subcommands, flags) in table)
            s.Append($"        \"{path}\") subcommands=\"{subcommands}\"; flags=\"{flags}\"; return 0 ;;\n");
        s.Append($$"""
                esac
                return 1
            }

            _{{Program}}()
            {
                local cur="${COMP_WORDS[COMP_CWORD]}" path="{{Program}}" word subcommands flags i
                for ((i = 1; i < COMP_CWORD; i++)); do
                    word="${COMP_WORDS[i]}"
                    case "$word" in -*) continue ;; esac
                    __{{Program}}_words "$path $word" && path="$path $word"
                done
                __{{Program}}_words "$path"
                if [[ "$cur" == -* ]]; then
                    COMPREPLY=( $(compgen -W "$flags" -- "$cur") )
                elif [[ -n "$subcommands" ]]; then
                    COMPREPLY=( $(compgen -W "$subcommands" -- "$cur") )
                fi
            }

            complete -o default -F _{{Program}} {{Program}}

            """);
        return s.ToString();
    }

    public static string Zsh(Command root)
    {
        var table = Table(root);
        var s = new StringBuilder();
        s.Append($$"""
            #compdef {{Program}}
            # zsh completion for {{Program}}, written by `{{Program}} generate --zsh-completion`

            typeset -gA _{{Program}}_subcommands _{{Program}}_flags

            """);
        foreach (var (path, subcommands, flags) in table)
        {
            s.Append($"_{Program}_subcommands[{path.Replace(" ", "\\ ")}]=\"{subcommands}\"\n");
            s.Append($"_{Program}_flags[{path.Replace(" ", "\\ ")}]=\"{flags}\"\n");
        }
        s.Append($$"""

            _{{Program}}()
            {
                local path_="{{Program}}" word
                for word in "${(@)words[2,CURRENT-1]}"; do
                    [[ "$word" == -* ]] && continue
                    (( ${+_{{Program}}_flags[$path_ $word]} )) && path_="$path_ $word"
                done
                if [[ "${words[CURRENT]}" == -* ]]; then
                    compadd -- ${=_{{Program}}_flags[$path_]}
                elif [[ -n "${_{{Program}}_subcommands[$path_]}" ]]; then
                    compadd -- ${=_{{Program}}_subcommands[$path_]}
                else
                    _files
                fi
            }

            if [ "$funcstack[1]" = "_{{Program}}" ]; then
                _{{Program}} "$@"
            else
                compdef _{{Program}} {{Program}}
            fi

            """);
        return s.ToString();
    }

    public static string Fish(Command root)
    {
        var s = new StringBuilder($"# fish completion for {Program}, written by `{Program} generate --fish-completion`\n\n");
        foreach (var option in CommandTree.Options(root, inherited: false))
            s.Append(FishFlag("", option));
        foreach (var sub in root.Subcommands.Where(c => !c.Hidden))
            s.Append($"complete -c {Program} -f -n '__fish_use_subcommand' -a {Quote(sub.Name)} -d {Quote(CommandTree.Summary(sub.Description))}\n");
        foreach (var (_, command) in CommandTree.Commands(root))
        {
            var condition = $"-n '__fish_seen_subcommand_from {command.Name}' ";
            foreach (var sub in command.Subcommands.Where(c => !c.Hidden))
                s.Append($"complete -c {Program} -f {condition}-a {Quote(sub.Name)} -d {Quote(CommandTree.Summary(sub.Description))}\n");
            foreach (var option in CommandTree.Options(command, inherited: false))
                s.Append(FishFlag(condition, option));
        }
        return s.ToString();
    }

    private static string FishFlag(string condition, Option option)
    {
        var names = CommandTree.Names(option).Select(n => n.StartsWith("--", StringComparison.Ordinal) ? $"-l {n[2..]}" : $"-s {n[1..]}");
        return $"complete -c {Program} {condition}{string.Join(' ', names)}{(CommandTree.TakesValue(option) ? " -r" : "")} -d {Quote(CommandTree.Summary(option.Description))}\n";
    }

    private static string Quote(string text) => "'" + text.Replace("\\", "\\\\").Replace("'", "\\'") + "'";
}
