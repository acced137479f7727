using Lifeboat.Engine;

namespace Lifeboat.Cli.Rendering;

/// <summary>The live line of a step that goes pack by pack (check's reading, prune's repacking): "[0:42] 31.25%  250 / 800 packs, 6.0 packs/s ETA 1:32".</summary>
public static class PackProgress
{
    public static string Text(TimeSpan elapsed, long done, long total, ProgressRate rate)
    {
        var left = rate.Update(elapsed, done, total);
        string percent = total > 0 ? $"{Math.Min(100.0, 100.0 * done / total):0.00}%  " : "";
        string speed = rate.PerSecond is { } perSecond ? $", {perSecond:0.0} packs/s" : "";
        return $"[{Format.Duration(elapsed)}] {percent}{done} / {total} packs{speed}{Format.Eta(left)}";
    }
}
