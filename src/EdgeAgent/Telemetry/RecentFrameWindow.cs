using System.Diagnostics;

namespace EdgeToolkit.EdgeAgent.Telemetry;

/// <summary>
/// The last N classified frames of the serving model (total and inference latency, top-1 probability, when each
/// finished) and the frames that model refused since the oldest of them, in fixed ring buffers, for the figures a
/// canary rollout is gated on (<see cref="RecentFrames"/>). Recording a frame allocates nothing; a frame of another
/// model generation empties both rings first, so the figures never mix two models. <see cref="Snapshot"/> sorts into
/// a reused scratch buffer. Thread-safe.
/// </summary>
public sealed class RecentFrameWindow
{
    /// <summary>The ring size used when none is configured (<c>EdgeAgent:RecentFrames</c>).</summary>
    public const int DefaultCapacity = 300;

    private readonly double[] totalMs;
    private readonly double[] inferenceMs;
    private readonly float[] top1;
    private readonly long[] finished;
    private readonly long[] refused;
    private readonly double[] scratch;
    private readonly Lock gate = new();
    private int next;
    private int count;
    private int nextRefused;
    private int countRefused;
    private int generation;

    /// <summary>Creates a ring of <paramref name="capacity"/> frames.</summary>
    public RecentFrameWindow(int capacity = DefaultCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        totalMs = new double[capacity];
        inferenceMs = new double[capacity];
        top1 = new float[capacity];
        finished = new long[capacity];
        refused = new long[capacity];
        scratch = new double[capacity];
    }

    /// <summary>The most frames the figures cover.</summary>
    public int Capacity => totalMs.Length;

    /// <summary>
    /// Records one frame of model <paramref name="modelGeneration"/> classified at <paramref name="finishedTimestamp"/>
    /// (<see cref="Stopwatch.GetTimestamp"/>).
    /// </summary>
    public void Record(int modelGeneration, double totalMilliseconds, double inferenceMilliseconds, float top1Probability, long finishedTimestamp)
    {
        lock (gate)
        {
            if (!Follow(modelGeneration)) return;
            totalMs[next] = totalMilliseconds;
            inferenceMs[next] = inferenceMilliseconds;
            top1[next] = top1Probability;
            finished[next] = finishedTimestamp;
            next = next + 1 == totalMs.Length ? 0 : next + 1;
            if (count < totalMs.Length) count++;
        }
    }

    /// <summary>
    /// Records a frame refused at <paramref name="timestamp"/> while model <paramref name="modelGeneration"/> served
    /// (undecodable, non-finite output, ...): it counts in <see cref="RecentFrames.BadFrameRate"/>.
    /// </summary>
    public void RecordBad(int modelGeneration, long timestamp)
    {
        lock (gate)
        {
            if (!Follow(modelGeneration)) return;
            refused[nextRefused] = timestamp;
            nextRefused = nextRefused + 1 == refused.Length ? 0 : nextRefused + 1;
            if (countRefused < refused.Length) countRefused++;
        }
    }

    /// <summary>The figures over the frames in the ring; null when no frame was classified yet.</summary>
    public RecentFrames? Snapshot()
    {
        lock (gate)
        {
            if (count == 0) return null;
            double sum = 0;
            for (int i = 0; i < count; i++) sum += top1[i];
            int oldest = count < totalMs.Length ? 0 : next;
            int newest = (next == 0 ? totalMs.Length : next) - 1;
            double seconds = Stopwatch.GetElapsedTime(finished[oldest], finished[newest]).TotalSeconds;
            double fps = count > 1 && seconds > 0 ? (count - 1) / seconds : 0;
            // Refused frames count over the same span as the classified ones: since this model's start, or once the
            // ring has wrapped, from its oldest classified frame on.
            long from = count < totalMs.Length ? long.MinValue : finished[oldest];
            int bad = 0;
            for (int i = 0; i < countRefused; i++)
                if (refused[i] >= from) bad++;
            return new RecentFrames(count, generation, Math.Round(P95(totalMs), 3), Math.Round(P95(inferenceMs), 3), Math.Round(sum / count, 4),
                Math.Round(fps, 2), Math.Round((double)bad / (bad + count), 4));
        }
    }

    /// <summary>Follows a new model generation (emptying the rings); false for a frame of an older one (caller holds the lock).</summary>
    private bool Follow(int modelGeneration)
    {
        if (modelGeneration == generation) return true;
        if (modelGeneration < generation) return false;
        generation = modelGeneration;
        count = next = countRefused = nextRefused = 0;
        return true;
    }

    /// <summary>Nearest-rank 95th percentile of the first <see cref="count"/> values (caller holds the lock).</summary>
    private double P95(double[] values)
    {
        var sorted = scratch.AsSpan(0, count);
        values.AsSpan(0, count).CopyTo(sorted);
        sorted.Sort();
        int rank = (int)Math.Ceiling(0.95 * count);
        return sorted[Math.Max(rank, 1) - 1];
    }
}
