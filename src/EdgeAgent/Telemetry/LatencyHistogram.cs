namespace EdgeToolkit.EdgeAgent.Telemetry;

/// <summary>
/// A fixed-memory latency histogram with log-spaced buckets (1% relative width, 1 µs to 100 s):
/// percentiles are within about 1%, maximum and mean are exact. Thread-safe.
/// </summary>
public sealed class LatencyHistogram
{
    private const double Growth = 1.01;
    private static readonly double LogGrowth = Math.Log(Growth);
    private static readonly int BucketCount = (int)Math.Ceiling(Math.Log(1e8) / LogGrowth) + 2;
    private readonly long[] buckets = new long[BucketCount];
    private readonly Lock gate = new();
    private long count;
    private double sum;
    private double max;

    /// <summary>Records one duration in milliseconds.</summary>
    public void Record(double milliseconds)
    {
        double us = Math.Max(1.0, milliseconds * 1000.0);
        int b = Math.Min(BucketCount - 1, (int)(Math.Log(us) / LogGrowth));
        lock (gate)
        {
            buckets[b]++;
            count++;
            sum += milliseconds;
            if (milliseconds > max) max = milliseconds;
        }
    }

    /// <summary>Summary of what was recorded; optionally clears the histogram.</summary>
    public StageSummary Snapshot(bool reset = false)
    {
        lock (gate)
        {
            var s = new StageSummary(count, Percentile(0.50), Percentile(0.90), Percentile(0.99), max, count == 0 ? 0 : sum / count);
            if (reset)
            {
                Array.Clear(buckets);
                count = 0;
                sum = 0;
                max = 0;
            }
            return s;
        }
    }

    private double Percentile(double q)
    {
        if (count == 0) return 0;
        long rank = (long)Math.Ceiling(q * count);
        long seen = 0;
        for (int b = 0; b < buckets.Length; b++)
        {
            seen += buckets[b];
            if (seen >= rank)
            {
                // Geometric middle of the bucket, never above the exact maximum.
                double us = Math.Pow(Growth, b + 0.5);
                return Math.Min(max, us / 1000.0);
            }
        }
        return max;
    }
}
