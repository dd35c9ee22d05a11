using System.Diagnostics;
using EdgeToolkit.EdgeAgent.Observation;
using EdgeToolkit.EdgeAgent.Options;

namespace EdgeToolkit.EdgeAgent.Live;

/// <summary>
/// What the live page shows, kept off the hot path: every frame adds its stage times to a small ring (a few
/// stores under an uncontended lock); a copy of the frame and of the model input is taken at most
/// <see cref="LivePageOptions.UpdatesPerSecond"/> times a second and only while a client has asked for the page
/// within the last <see cref="ClientTimeout"/>. Encoding images and computing percentiles happen on the
/// page's request threads.
/// </summary>
public sealed class LiveView : IFrameObserver
{
    /// <summary>A client that has not polled for this long counts as gone: no more frame copies.</summary>
    public static readonly TimeSpan ClientTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Stage percentiles and fps are computed over the frames of this last span.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromSeconds(2);

    private const int RingSize = 4096;
    private readonly long snapshotInterval;
    private readonly Lock gate = new();
    private readonly long[] stamps = new long[RingSize];
    private readonly StageTimes[] times = new StageTimes[RingSize];
    private long written;
    private long lastClient;
    private long lastSnapshot;
    private LiveSnapshot? latest;

    /// <summary>Creates the view.</summary>
    public LiveView(LivePageOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        snapshotInterval = (long)(Stopwatch.Frequency / options.UpdatesPerSecond);
    }

    /// <summary>The latest frame copy, or null before the first.</summary>
    public LiveSnapshot? Latest => Volatile.Read(ref latest);

    /// <summary>Number of frame copies taken since start (the page's cost: 0 while nobody watches).</summary>
    public long Snapshots { get; private set; }

    /// <summary>True while a client polled within <see cref="ClientTimeout"/>.</summary>
    public bool ClientActive
    {
        get
        {
            long t = Interlocked.Read(ref lastClient);
            return t != 0 && Stopwatch.GetElapsedTime(t) < ClientTimeout;
        }
    }

    /// <summary>Marks a client request (the page's polling keeps the copies coming).</summary>
    public void ClientSeen() => Interlocked.Exchange(ref lastClient, Stopwatch.GetTimestamp());

    /// <inheritdoc />
    public bool WantsFrameBytes(long sequence) => SnapshotDue(Stopwatch.GetTimestamp());

    /// <inheritdoc />
    public void OnFrame(in FrameObservation frame)
    {
        long now = Stopwatch.GetTimestamp();
        lock (gate)
        {
            int i = (int)(written % RingSize);
            stamps[i] = now;
            times[i] = frame.Times;
            written++;
        }
        if (frame.FrameBytes.IsEmpty || !SnapshotDue(now)) return;
        Interlocked.Exchange(ref lastSnapshot, now);
        Snapshots++;
        Volatile.Write(ref latest, LiveSnapshot.Copy(frame));
    }

    private bool SnapshotDue(long now) => ClientActive && now - Interlocked.Read(ref lastSnapshot) >= snapshotInterval;

    /// <summary>Frames per second and per-stage p50/p99 over the last <see cref="Window"/> (empty figures before any frame).</summary>
    public LiveStages Stages()
    {
        long now = Stopwatch.GetTimestamp();
        long horizon = now - (long)(Window.TotalSeconds * Stopwatch.Frequency);
        var picked = new List<(long Stamp, StageTimes Times)>();
        lock (gate)
        {
            long first = Math.Max(0, written - RingSize);
            for (long k = written - 1; k >= first; k--)
            {
                int i = (int)(k % RingSize);
                if (stamps[i] < horizon) break;
                picked.Add((stamps[i], times[i]));
            }
        }
        double fps = 0;
        if (picked.Count >= 2)
        {
            double span = Stopwatch.GetElapsedTime(picked[^1].Stamp, picked[0].Stamp).TotalSeconds;
            // The newest frame may be old: a stalled source shows a falling rate, not the last one.
            double sinceLast = Stopwatch.GetElapsedTime(picked[0].Stamp, now).TotalSeconds;
            if (span > 0) fps = (picked.Count - 1) / (span + sinceLast);
        }
        return new LiveStages(picked.Count, fps,
            Percentiles(picked, t => t.WaitMs), Percentiles(picked, t => t.DecodeMs), Percentiles(picked, t => t.PreprocessMs),
            Percentiles(picked, t => t.InferenceMs), Percentiles(picked, t => t.TotalMs));
    }

    private static LivePercentiles Percentiles(List<(long Stamp, StageTimes Times)> picked, Func<StageTimes, double> stage)
    {
        if (picked.Count == 0) return new LivePercentiles(0, 0);
        var v = picked.Select(p => stage(p.Times)).ToArray();
        Array.Sort(v);
        return new LivePercentiles(Rank(v, 0.50), Rank(v, 0.99));
    }

    private static double Rank(double[] sorted, double q) => Math.Round(sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Length) - 1, 0, sorted.Length - 1)], 3);
}
