using System.CommandLine;
using Lifeboat.Cli.Rendering;
using Lifeboat.Engine.Platform;
using Lifeboat.Stack.Configuration;
using Lifeboat.Stack.Operations.Metrics;
using Lifeboat.Stack.State;

namespace Lifeboat.Cli.Commands.Stack;

/// <summary>
/// `--metrics-file PATH` of the stack-mode jobs, for cron users: after the run (recorded in the job history), the stack's metrics (the same text as
/// the daemon's /metrics) replace PATH atomically, for node-exporter's textfile collector. A file that cannot be
/// written is an error line; the job's exit code stays the job's.
/// </summary>
public static class MetricsFileOption
{
    public static Option<string?> Create() => new("--metrics-file")
    {
        Description = "with a lifeboat.yaml: after the run, write the stack's metrics to this file as Prometheus text for node-exporter's textfile collector (replaced atomically)",
        HelpName = "PATH",
    };

    /// <summary>A collector when a path is given, else null (and nothing is collected).</summary>
    public static MetricsCollector? Collector(StackConfig config, string? path) => path is null ? null : new MetricsCollector(config, new StateDatabase());

    /// <summary>
    /// Writes the file once the run is recorded in the job history (so the file has this run's end), whatever the
    /// run's exit code; at once when nothing records it.
    /// </summary>
    public static void WriteWhenRecorded(CommandContext ctx, MetricsCollector? metrics, string? path, JobCompletion? job)
    {
        if (metrics is null || path is null) return;
        if (job is null) Write(ctx, metrics, path);
        else job.AfterRecorded(() => Write(ctx, metrics, path));
    }

    private static void Write(CommandContext ctx, MetricsCollector? metrics, string? path)
    {
        if (metrics is null || path is null) return;
        try
        {
            metrics.WriteTextFile(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or PosixException)
        {
            ctx.Error.WriteLine($"metrics: could not write {path}: {Display.Text(e.Message)}");
        }
        foreach (var problem in metrics.Problems) ctx.Error.WriteLine($"metrics: {Display.Text(problem)}");
    }
}
