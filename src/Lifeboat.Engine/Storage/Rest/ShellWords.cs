using System.Text;

namespace Lifeboat.Engine.Storage.Rest;

/// <summary>
/// Splits a command line into words as restic splits <c>-o rclone.program</c> and <c>-o rclone.args</c>: whitespace
/// separates, single and double quotes group, a backslash makes the next character literal. No shell runs.
/// </summary>
internal static class ShellWords
{
    public static List<string> Split(string text, string what)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        bool inWord = false, escaped = false;
        char quote = '\0';
        foreach (char c in text)
        {
            if (escaped)
            {
                word.Append(c);
                escaped = false;
                inWord = true;
            }
            else if (c == '\\' && quote != '\'')
            {
                escaped = true;
                inWord = true;
            }
            else if (quote != '\0')
            {
                if (c == quote) quote = '\0';
                else word.Append(c);
            }
            else if (c is '"' or '\'')
            {
                quote = c;
                inWord = true;
            }
            else if (char.IsWhiteSpace(c))
            {
                if (inWord) words.Add(word.ToString());
                word.Clear();
                inWord = false;
            }
            else
            {
                word.Append(c);
                inWord = true;
            }
        }
        if (quote != '\0') throw BackendException.Permanent($"invalid option {what}: a {(quote == '"' ? "double" : "single")}-quoted string is not terminated");
        if (escaped) throw BackendException.Permanent($"invalid option {what}: it ends with a backslash");
        if (inWord) words.Add(word.ToString());
        return words;
    }
}
