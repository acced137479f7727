namespace Lifeboat.Cli.Rendering;

/// <summary>restic's plain tables: a header, a rule, the rows with columns padded by two spaces, a rule.</summary>
public static class PlainTable
{
    public static void Write(TextWriter output, string[] header, IReadOnlyList<string[]> rows)
    {
        var widths = header.Select((h, i) => Math.Max(h.Length, rows.Count == 0 ? 0 : rows.Max(r => r[i].Length))).ToArray();
        string Line(string[] cells) => string.Join("  ", cells.Select((c, i) => i == cells.Length - 1 ? c : c.PadRight(widths[i]))).TrimEnd();
        var head = Line(header);
        var rule = new string('-', Math.Max(head.Length, rows.Count == 0 ? 0 : rows.Max(r => Line(r).Length)));
        output.WriteLine(head);
        output.WriteLine(rule);
        foreach (var r in rows) output.WriteLine(Line(r));
        output.WriteLine(rule);
    }
}
