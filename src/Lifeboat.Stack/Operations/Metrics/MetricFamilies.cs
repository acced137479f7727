using System.Globalization;
using System.Text;

namespace Lifeboat.Stack.Operations.Metrics;

/// <summary>
/// Samples gathered by metric name, then written in Prometheus text exposition format 0.0.4: one HELP and TYPE per
/// family, families sorted by name and samples by their labels, so that the same state always gives the same text.
/// </summary>
internal sealed class MetricFamilies
{
    private sealed record Family(string Type, string Help, SortedDictionary<string, double> Samples);

    private readonly SortedDictionary<string, Family> _families = new(StringComparer.Ordinal);

    public void Gauge(string name, string help, double value, params (string Name, string Value)[] labels) => Add(name, "gauge", help, value, labels);

    /// <summary>A counter: its name ends in _total.</summary>
    public void Counter(string name, string help, double value, params (string Name, string Value)[] labels) => Add(name, "counter", help, value, labels);

    private void Add(string name, string type, string help, double value, (string Name, string Value)[] labels)
    {
        if (!_families.TryGetValue(name, out var family))
            _families.Add(name, family = new Family(type, help, new SortedDictionary<string, double>(StringComparer.Ordinal)));
        else if (family.Type != type || family.Help != help)
            throw new ArgumentException($"the metric {name} is already a {family.Type} with other help", nameof(name));
        var key = Labels(labels);
        if (!family.Samples.TryAdd(key, value))
            throw new ArgumentException($"the series {name}{key} is given twice", nameof(labels));
    }

    public void WriteTo(TextWriter writer)
    {
        foreach (var (name, family) in _families)
        {
            writer.Write($"# HELP {name} {EscapeHelp(family.Help)}\n");
            writer.Write($"# TYPE {name} {family.Type}\n");
            foreach (var (labels, value) in family.Samples)
                writer.Write($"{name}{labels} {Value(value)}\n");
        }
    }

    /// <summary>{a="x",b="y"} in the order given, or nothing for no labels.</summary>
    private static string Labels((string Name, string Value)[] labels)
    {
        if (labels.Length == 0) return "";
        var text = new StringBuilder("{");
        for (int i = 0; i < labels.Length; i++)
        {
            if (i > 0) text.Append(',');
            text.Append(labels[i].Name).Append("=\"").Append(EscapeLabelValue(labels[i].Value)).Append('"');
        }
        return text.Append('}').ToString();
    }

    /// <summary>A label value escapes backslash, double quote and line feed.</summary>
    internal static string EscapeLabelValue(string value) => value.Replace("\\", @"\\").Replace("\"", "\\\"").Replace("\n", @"\n");

    /// <summary>HELP text escapes backslash and line feed.</summary>
    internal static string EscapeHelp(string help) => help.Replace("\\", @"\\").Replace("\n", @"\n");

    /// <summary>Go's float syntax: integers as integers (byte counts stay exact), NaN and ±Inf spelled as Prometheus spells them.</summary>
    internal static string Value(double value) => value switch
    {
        double.NaN => "NaN",
        double.PositiveInfinity => "+Inf",
        double.NegativeInfinity => "-Inf",
        _ when value == Math.Floor(value) && Math.Abs(value) < 9e15 => ((long)value).ToString(CultureInfo.InvariantCulture),
        _ => value.ToString("R", CultureInfo.InvariantCulture),
    };
}
