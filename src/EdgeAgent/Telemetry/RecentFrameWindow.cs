namespace EdgeToolkit.EdgeAgent.Telemetry;

/// <summary>
/// The last N classified frames of the serving model (total and inference latency, top-1 probability) in
/// fixed ring buffers, for the figures a canary rollout is gated on (<see cref="RecentFrames"/>). Recording a
/// frame allocates nothing; a frame of another model generation empties the ring first, so the figures never
/// mix two models. <see cref="Snapshot"/> sorts into a reused scratch buffer. Thread-safe.
/// </summary>
public sealed class RecentFrameWindow
{
    /// <summary>The ring size used when none is configured (<c>EdgeAgent:RecentFrames</c>).</summary>
    public const int DefaultCapacity = 300;

    private readonly double[] totalMs;
    private readonly double[] inferenceMs;
    private readonly float[] top1;
    private readonly double[] scratch;
    private readonly Lock gate = new();
    private int next;
    private int count;
    private int generation;

    /// <summary>Creates a ring of <paramref name="capacity"/> frames.</summary>
    public RecentFrameWindow(int capacity = DefaultCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        totalMs = new double[capacity];
        inferenceMs = new double[capacity];
        top1 = new float[capacity];
        scratch = new double[capacity];
    }

    /// <summary>The most frames the figures cover.</summary>
    public int Capacity => totalMs.Length;

    /// <summary>Records one classified frame of model <paramref name="modelGeneration"/>.</summary>
    public void Record(int modelGeneration, double totalMilliseconds, double inferenceMilliseconds, float top1Probability)
    {
        lock (gate)
        {
            if (modelGeneration != generation)
            {
                generation = modelGeneration;
                count = 0;
                next = 0;
            }
            totalMs[next] = totalMilliseconds;
            inferenceMs[next] = inferenceMilliseconds;
            top1[next] = top1Probability;
            next = next + 1 == totalMs.Length ? 0 : next + 1;
            if (count < totalMs.Length) count++;
        }
    }

    /// <summary>The figures over the frames in the ring; null when no frame was recorded yet.</summary>
    public RecentFrames? Snapshot()
    {
        lock (gate)
        {
            if (count == 0) return null;
            double sum = 0;
            for (int i = 0; i < count; i++) sum += top1[i];
            return new RecentFrames(count, generation, Math.Round(P95(totalMs), 3), Math.Round(P95(inferenceMs), 3), Math.Round(sum / count, 4));
        }
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
