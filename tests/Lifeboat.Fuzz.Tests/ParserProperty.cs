using System.Diagnostics;
using CsCheck;

namespace Lifeboat.Fuzz.Tests;

/// <summary>
/// The property every parser of untrusted bytes must keep: for any input it returns a value or throws the project's
/// own clear exception (what the CLI prints as one line with restic's exit code), never another exception; it never
/// hangs (a watchdog fails the test naming the input); and it never allocates beyond a bound proportional to the input.
/// Inputs come from CsCheck generators; a failure is shrunk by CsCheck and printed with its seed for a rerun.
/// </summary>
public sealed class ParserProperty(ITestOutputHelper output, string parser)
{
    /// <summary>LIFEBOAT_FUZZ_SCALE multiplies every campaign's input count: 1 in CI, larger for a long run.</summary>
    public static double Scale { get; } =
        double.TryParse(Environment.GetEnvironmentVariable("LIFEBOAT_FUZZ_SCALE"), System.Globalization.CultureInfo.InvariantCulture, out var s) && s > 0 ? s : 1;

    private static readonly Lock ReportLock = new();

    /// <summary>How long one input may take before it counts as a hang: generous, so that a slow machine never trips it.</summary>
    public static TimeSpan HangAfter { get; } = TimeSpan.FromSeconds(20);

    /// <summary>Allocation allowed for one input: fixed overhead plus this many bytes per input byte.</summary>
    public long FixedAllocation { get; init; } = 1 << 20;
    public long AllocationPerInputByte { get; init; } = 64;

    /// <summary>
    /// Runs <paramref name="parse"/> over <paramref name="iterations"/> (times <see cref="Scale"/>) inputs from
    /// <paramref name="inputs"/>; <paramref name="isClear"/> says which exceptions are the clear refusal.
    /// </summary>
    public void Holds<T>(string strategy, Gen<T> inputs, int iterations, Func<T, byte[]> bytesOf, Action<T> parse, Func<Exception, bool> isClear)
    {
        long count = Math.Max(1, (long)(iterations * Scale));
        long accepted = 0, refused = 0;
        long runningSince = 0; // Stopwatch ticks when the current input started, 0 between inputs
        byte[] current = [];
        var clock = Stopwatch.StartNew();
        var campaign = Task.Factory.StartNew(() => inputs.Sample(input =>
        {
            var bytes = bytesOf(input);
            Volatile.Write(ref current, bytes);
            Volatile.Write(ref runningSince, Stopwatch.GetTimestamp());
            long before = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                parse(input);
                Interlocked.Increment(ref accepted);
            }
            catch (Exception e) when (isClear(e))
            {
                Interlocked.Increment(ref refused);
            }
            finally
            {
                Volatile.Write(ref runningSince, 0);
            }
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            long limit = FixedAllocation + AllocationPerInputByte * bytes.Length;
            if (allocated > limit)
                throw new InvalidOperationException($"{parser}: {allocated} bytes allocated for an input of {bytes.Length} bytes (limit {limit})");
        }, iter: count, threads: 1, print: i => Describe(bytesOf(i))), TaskCreationOptions.LongRunning);

        while (!campaign.Wait(TimeSpan.FromMilliseconds(200), TestContext.Current.CancellationToken))
        {
            long since = Volatile.Read(ref runningSince);
            if (since != 0 && Stopwatch.GetElapsedTime(since) > HangAfter)
                Assert.Fail($"{parser} ({strategy}): one input ran for more than {HangAfter.TotalSeconds} s: {Describe(Volatile.Read(ref current))}");
        }
        campaign.GetAwaiter().GetResult();
        var seconds = clock.Elapsed.TotalSeconds;
        var line = $"{parser}, {strategy}: {count} inputs, {accepted} accepted, {refused} refused clearly, {count / seconds:0} executions/s";
        output.WriteLine(line);
        Record(parser, strategy, count, accepted, refused, seconds);
        Assert.Equal(count, accepted + refused);
    }

    /// <summary>One campaign's figures, for tools/fuzz/property-campaign (LIFEBOAT_FUZZ_REPORT names the file).</summary>
    public static void Record(string parser, string strategy, long count, long accepted, long refused, double seconds)
    {
        if (Environment.GetEnvironmentVariable("LIFEBOAT_FUZZ_REPORT") is { Length: > 0 } report)
            lock (ReportLock) File.AppendAllText(report, $"{parser}\t{strategy}\t{count}\t{accepted}\t{refused}\t{seconds:0.000}\n");
    }

    /// <summary>The same, for generators of raw bytes.</summary>
    public void Holds(string strategy, Gen<byte[]> inputs, int iterations, Action<byte[]> parse, Func<Exception, bool> isClear) =>
        Holds(strategy, inputs, iterations, b => b, parse, isClear);

    private static string Describe(byte[] bytes)
    {
        var shown = bytes.AsSpan(0, Math.Min(bytes.Length, 512));
        return $"{bytes.Length} bytes: {Convert.ToHexString(shown)}{(bytes.Length > shown.Length ? "..." : "")} (\"{System.Text.Encoding.UTF8.GetString(shown).ReplaceLineEndings("\\n")}\")";
    }
}
