namespace Lifeboat.Engine.Storage.Sftp;

/// <summary>
/// Splits <c>-o sftp.command=…</c> and <c>-o sftp.args=…</c> into words the way restic 0.14's SplitShellStrings does:
/// spaces separate words; single and double quotes group (and also end a word); a backslash separates words too but
/// makes the character after it literal (so <c>\"bar</c> is the word <c>"bar</c>). No shell runs.
/// </summary>
public static class ShellSplitter
{
    public static List<string> Split(string data)
    {
        var words = new List<string>();
        char quote = '\0';
        char last = '\0';
        int start = -1;
        for (int i = 0; i < data.Length; i++)
        {
            if (IsSplit(data[i]))
            {
                if (start >= 0)
                {
                    words.Add(data[start..i]);
                    start = -1;
                }
            }
            else if (start == -1)
            {
                start = i;
            }
        }
        if (start >= 0) words.Add(data[start..]);
        if (quote == '\'') throw BackendException.Permanent("single-quoted string not terminated");
        if (quote == '"') throw BackendException.Permanent("double-quoted string not terminated");
        if (words.Count == 0) throw BackendException.Permanent("command string is empty");
        return words;

        bool IsSplit(char c)
        {
            if (last != '\\')
            {
                if (quote != '\0' && c == quote)
                {
                    quote = '\0';
                    return true;
                }
                if (quote == '\0' && c is '"' or '\'')
                {
                    quote = c;
                    return true;
                }
            }
            last = c;
            if (quote != '\0') return false;
            return c == '\\' || char.IsWhiteSpace(c);
        }
    }
}
