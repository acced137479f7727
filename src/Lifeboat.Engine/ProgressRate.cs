namespace Lifeboat.Engine;

/// <summary>
/// The rate of a long step and the time it has left, from samples of the work done so far. The rate is taken over
/// a recent window, not since the start: a backup that crawled through small files and then meets large ones (or a
/// restore that waited for its first packs) would otherwise promise an end that keeps moving. No rate and no remaining
/// time until the samples span enough time to mean something, nor while the total is unknown.
/// Samples come from one thread at a time (a progress line's redraw); reads may come from any.
/// </summary>
public sealed class ProgressRate
{
    /// <summary>The span the rate is taken over, by default.</summary>
    public static readonly TimeSpan DefaultWindow = TimeSpan.FromSeconds(10);
    /// <summary>The least span of samples that gives a rate, by default.</summary>
    public static readonly TimeSpan DefaultMinimumSpan = TimeSpan.FromSeconds(2);

    private readonly TimeSpan _window;
    private readonly TimeSpan _minimumSpan;
    private readonly List<(TimeSpan At, long Done)> _samples = [];
    private readonly Lock _lock = new();

    public ProgressRate() : this(DefaultWindow, DefaultMinimumSpan) { }

    public ProgressRate(TimeSpan window, TimeSpan minimumSpan)
    {
        if (minimumSpan <= TimeSpan.Zero || window < minimumSpan)
            throw new ArgumentException("the window must be at least the minimum span, and that above zero", nameof(window));
        _window = window;
        _minimumSpan = minimumSpan;
    }

    /// <summary>Forgets the samples: what follows is counted anew (a new phase whose count may not fall).</summary>
    public void Reset()
    {
        lock (_lock) _samples.Clear();
    }

    /// <summary>Records that <paramref name="done"/> units were done by <paramref name="elapsed"/>.</summary>
    public void Sample(TimeSpan elapsed, long done)
    {
        lock (_lock)
        {
            if (_samples.Count > 0)
            {
                var last = _samples[^1];
                // a count or a clock that went back is a new one (the next phase, the next app): start again
                if (done < last.Done || elapsed < last.At) _samples.Clear();
                else if (elapsed == last.At) return;
                // nothing has moved yet (a restore still planning) or for the whole window (a stall): the rate
                // starts from the latest sample, not from a time when nothing was being done
                else if (_samples[0].Done == done) _samples.Clear();
            }
            _samples.Add((elapsed, done));
            // drop what the window has passed, keeping one sample at or before its start so the rate spans all of it
            int drop = 0;
            while (drop < _samples.Count - 2 && elapsed - _samples[drop + 1].At >= _window) drop++;
            if (drop > 0) _samples.RemoveRange(0, drop);
        }
    }

    /// <summary>Units per second over the recent window; null until the samples span the minimum.</summary>
    public double? PerSecond
    {
        get
        {
            lock (_lock)
            {
                if (_samples.Count < 2) return null;
                var (firstAt, firstDone) = _samples[0];
                var (lastAt, lastDone) = _samples[^1];
                var span = lastAt - firstAt;
                if (span < _minimumSpan) return null;
                return (lastDone - firstDone) / span.TotalSeconds;
            }
        }
    }

    /// <summary>
    /// The time left to reach <paramref name="total"/> from <paramref name="done"/> at the recent rate; null while the
    /// total is unknown (zero or less), the rate is not known yet or is zero, or nothing is left.
    /// </summary>
    public TimeSpan? Remaining(long done, long total)
    {
        if (total <= 0 || done >= total) return null;
        if (PerSecond is not { } rate || rate <= 0) return null;
        double seconds = (total - done) / rate;
        return seconds < TimeSpan.MaxValue.TotalSeconds / 2 ? TimeSpan.FromSeconds(Math.Ceiling(seconds)) : null;
    }

    /// <summary>Samples <paramref name="done"/> at <paramref name="elapsed"/>, then gives <see cref="Remaining"/>.</summary>
    public TimeSpan? Update(TimeSpan elapsed, long done, long total)
    {
        Sample(elapsed, done);
        return Remaining(done, total);
    }
}
