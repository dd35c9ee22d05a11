using Microsoft.Extensions.Logging;

namespace EdgeToolkit.EdgeAgent.Frames;

/// <summary>Exponential back-off between retries: initial, doubled each failure, capped; reset after success.</summary>
public sealed class Backoff
{
    private readonly TimeSpan initial;
    private readonly TimeSpan max;
    private TimeSpan next;

    /// <summary>Creates a back-off starting at <paramref name="initial"/>, capped at <paramref name="max"/>.</summary>
    public Backoff(TimeSpan initial, TimeSpan max)
    {
        this.initial = initial;
        this.max = max;
        next = initial;
    }

    /// <summary>Number of consecutive failures.</summary>
    public int Failures { get; private set; }

    /// <summary>Returns the delay to wait now and doubles the next one.</summary>
    public TimeSpan NextDelay()
    {
        Failures++;
        TimeSpan d = next;
        next = TimeSpan.FromTicks(Math.Min(max.Ticks, next.Ticks * 2));
        return d;
    }

    /// <summary>Call after a success.</summary>
    public void Reset()
    {
        Failures = 0;
        next = initial;
    }

    /// <summary>Waits the next delay; returns false when cancelled.</summary>
    public bool Wait(CancellationToken ct) => !ct.WaitHandle.WaitOne(NextDelay());

    /// <summary>
    /// After a failed attempt of a frame source: resets first when the attempt <paramref name="delivered"/> frames,
    /// reports the restart, logs it and waits the next delay; returns false when cancelled.
    /// </summary>
    public bool WaitAfterFailure(bool delivered, string reason, string source, SourceEvents events, ILogger logger, CancellationToken ct)
    {
        if (delivered) Reset();
        events.Restarted(reason);
        TimeSpan delay = NextDelay();
        logger.LogWarning("{Source}: {Reason}; retrying in {Delay} s (attempt {Attempt})", source, reason, delay.TotalSeconds, Failures);
        return !ct.WaitHandle.WaitOne(delay);
    }
}
