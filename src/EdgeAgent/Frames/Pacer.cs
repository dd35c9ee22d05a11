using System.Diagnostics;

namespace EdgeToolkit.EdgeAgent.Frames;

/// <summary>Keeps a loop at a fixed rate (no-op when the rate is 0).</summary>
internal sealed class Pacer(double framesPerSecond)
{
    private readonly long interval = framesPerSecond > 0 ? (long)(Stopwatch.Frequency / framesPerSecond) : 0;
    private long next = Stopwatch.GetTimestamp();

    /// <summary>Waits until the next frame is due; false when cancelled.</summary>
    public bool Wait(CancellationToken ct)
    {
        if (interval == 0) return !ct.IsCancellationRequested;
        next += interval;
        long now = Stopwatch.GetTimestamp();
        if (next < now - interval) next = now; // fell far behind: do not burst to catch up
        long waitTicks = next - now;
        if (waitTicks <= 0) return !ct.IsCancellationRequested;
        return !ct.WaitHandle.WaitOne(TimeSpan.FromSeconds((double)waitTicks / Stopwatch.Frequency));
    }
}
