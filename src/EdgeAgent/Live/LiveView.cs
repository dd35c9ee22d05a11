using System.Diagnostics;
using EdgeToolkit.EdgeAgent.Hosting;
using EdgeToolkit.EdgeAgent.Observation;
using EdgeToolkit.EdgeAgent.Options;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeToolkit.EdgeAgent.Live;

/// <summary>
/// What the live page shows, kept off the hot path. Every frame adds its stage times to a small ring (a few stores
/// under an uncontended lock). At most <see cref="LivePageOptions.UpdatesPerSecond"/> times a second, and only while
/// a client has asked for the page within the last <see cref="ClientTimeout"/>, the inference thread copies the
/// frame's bytes and the model input into the one reused <see cref="LiveFrameCopy"/> and wakes the encoder: a
/// single thread below the pipeline's priority (<see cref="LowPriorityThread"/>) that encodes both images once into
/// a <see cref="LiveSnapshot"/>, which every request then serves as is. While the encoder is still busy a due copy
/// is skipped (<see cref="Skipped"/>): the inference thread never waits for it.
/// </summary>
public sealed class LiveView : IFrameObserver, IDisposable
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
    private readonly Func<LiveFrameCopy, long, LiveSnapshot> encode;
    private readonly ILogger logger;
    private readonly LiveFrameCopy pending = new();
    private readonly SemaphoreSlim wake = new(0);
    private readonly Thread encoder;
    private long written;
    private long lastClient;
    private long lastSnapshot;
    private int encoderBusy; // 1 from the copy until the encoder has finished with it
    private volatile bool stopping;
    private int disposed;
    private long snapshots;
    private long skipped;
    private long encoded;
    private long lastErrorLog;
    private LiveSnapshot? latest;

    /// <summary>Creates the view and starts its encoder thread.</summary>
    /// <param name="options">The page's settings (its update rate bounds the copies).</param>
    /// <param name="logger">Receives encoding failures (rate-limited).</param>
    /// <param name="encode">How a copy becomes snapshot number n; <see cref="LiveSnapshot.Encode"/> unless given (tests slow it down).</param>
    public LiveView(LivePageOptions options, ILogger<LiveView>? logger = null, Func<LiveFrameCopy, long, LiveSnapshot>? encode = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        snapshotInterval = (long)(Stopwatch.Frequency / options.UpdatesPerSecond);
        this.logger = logger ?? NullLogger<LiveView>.Instance;
        this.encode = encode ?? LiveSnapshot.Encode;
        encoder = LowPriorityThread.Start("edge-live-enc", EncodeLoop);
    }

    /// <summary>The latest encoded snapshot, or null before the first.</summary>
    public LiveSnapshot? Latest => Volatile.Read(ref latest);

    /// <summary>Frames copied for the page since start (the page's cost on the inference thread: 0 while nobody watches).</summary>
    public long Snapshots => Interlocked.Read(ref snapshots);

    /// <summary>Due copies skipped because the encoder was still busy with the previous one.</summary>
    public long Skipped => Interlocked.Read(ref skipped);

    /// <summary>Snapshots encoded (one per copy, however many clients fetch them).</summary>
    public long Encoded => Interlocked.Read(ref encoded);

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
    public bool WantsFrameBytes(long sequence) => SnapshotDue(Stopwatch.GetTimestamp()) && Volatile.Read(ref encoderBusy) == 0;

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
        if (Interlocked.CompareExchange(ref encoderBusy, 1, 0) != 0)
        {
            Interlocked.Increment(ref skipped);
            return;
        }
        Interlocked.Exchange(ref lastSnapshot, now);
        pending.Fill(frame);
        Interlocked.Increment(ref snapshots);
        wake.Release();
    }

    private void EncodeLoop()
    {
        long version = 0;
        while (true)
        {
            wake.Wait();
            if (stopping) return;
            try
            {
                var snapshot = encode(pending, ++version);
                Interlocked.Increment(ref encoded);
                Volatile.Write(ref latest, snapshot);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // A frame the encoder cannot read: the page keeps the previous snapshot; inference never notices.
                long now = Stopwatch.GetTimestamp();
                if (lastErrorLog == 0 || Stopwatch.GetElapsedTime(lastErrorLog, now).TotalSeconds >= 60)
                {
                    lastErrorLog = now;
                    logger.LogWarning("Live page could not encode frame {Sequence}: {Error}", pending.Sequence, e.Message);
                }
            }
            finally
            {
                Volatile.Write(ref encoderBusy, 0);
            }
        }
    }

    /// <summary>Stops the encoder thread (after the snapshot it is encoding, at most 2 s); a second call does nothing.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0) return; // registered as itself and as an observer: disposed twice
        stopping = true;
        wake.Release();
        if (encoder.Join(TimeSpan.FromSeconds(2))) wake.Dispose();
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
