namespace EdgeToolkit.Compression.Quantization;

/// <summary>
/// Accumulates the statistics of one tensor over calibration batches: minimum, maximum and a
/// histogram of |x| with a fixed number of bins starting at 0. When a batch exceeds the histogram's
/// range, adjacent bins are merged pairwise (the bin width doubles), which is exact, so the
/// histogram never needs the data twice. <see cref="ComputeRange"/> turns the statistics into a
/// clipping range by min/max, percentile or entropy (KL divergence).
/// </summary>
public sealed class TensorRangeCollector
{
    private readonly long[]? _histogram;
    private double _binWidth;
    private long _pendingZeros;
    private bool _histogramStarted;

    /// <summary>Creates a collector; <paramref name="histogramBins"/> 0 collects only min and max.</summary>
    public TensorRangeCollector(string tensorName, int histogramBins = 2048)
    {
        if (histogramBins < 0) throw new ArgumentOutOfRangeException(nameof(histogramBins), histogramBins, "histogramBins must be 0 (min/max only) or positive");
        TensorName = tensorName;
        if (histogramBins > 0) _histogram = new long[histogramBins];
    }

    /// <summary>The tensor these statistics describe.</summary>
    public string TensorName { get; }

    /// <summary>Smallest value seen.</summary>
    public float Min { get; private set; } = float.PositiveInfinity;

    /// <summary>Largest value seen.</summary>
    public float Max { get; private set; } = float.NegativeInfinity;

    /// <summary>How many of the values seen equal <see cref="Min"/>.</summary>
    public long MinCount { get; private set; }

    /// <summary>How many of the values seen equal <see cref="Max"/>.</summary>
    public long MaxCount { get; private set; }

    /// <summary>Number of values seen.</summary>
    public long Count { get; private set; }

    /// <summary>Width of one histogram bin (0 before any non-zero value).</summary>
    public double BinWidth => _binWidth;

    /// <summary>A copy of the |x| histogram (empty when only min/max are collected).</summary>
    public long[] Histogram => _histogram is null ? [] : (long[])_histogram.Clone();

    /// <summary>Adds a batch of values; throws when a value is NaN or infinite.</summary>
    public void Add(ReadOnlySpan<float> values)
    {
        float min = float.PositiveInfinity, max = float.NegativeInfinity;
        long minCount = 0, maxCount = 0;
        foreach (float v in values)
        {
            if (!float.IsFinite(v))
                throw new QuantizationException($"tensor '{TensorName}': calibration produced a non-finite value ({v}); check the calibration data and the model");
            if (v < min) (min, minCount) = (v, 1);
            else if (v == min) minCount++;
            if (v > max) (max, maxCount) = (v, 1);
            else if (v == max) maxCount++;
        }
        if (values.Length == 0) return;
        if (min < Min) (Min, MinCount) = (min, minCount);
        else if (min == Min) MinCount += minCount;
        if (max > Max) (Max, MaxCount) = (max, maxCount);
        else if (max == Max) MaxCount += maxCount;
        Count += values.Length;
        if (_histogram is null) return;

        double absMax = Math.Max(Math.Abs(min), Math.Abs(max));
        int bins = _histogram.Length;
        if (!_histogramStarted)
        {
            if (absMax == 0)
            {
                _pendingZeros += values.Length;
                return;
            }
            _binWidth = absMax / bins;
            _histogramStarted = true;
            _histogram[0] += _pendingZeros;
        }
        while (absMax > _binWidth * bins)
        {
            for (int i = 0; i < bins / 2; i++) _histogram[i] = _histogram[2 * i] + _histogram[2 * i + 1];
            if (bins % 2 == 1) _histogram[bins / 2] = _histogram[bins - 1];
            Array.Clear(_histogram, (bins + 1) / 2, bins - (bins + 1) / 2);
            _binWidth *= 2;
        }
        double inv = 1.0 / _binWidth;
        foreach (float v in values)
        {
            int index = (int)(Math.Abs(v) * inv);
            _histogram[index >= bins ? bins - 1 : index]++;
        }
    }

    /// <summary>
    /// The clipping range by <paramref name="method"/>. Percentile and entropy give a threshold T on
    /// |x|; the range is then [max(Min, -T), min(Max, T)], so it never exceeds the min/max range.
    /// </summary>
    public TensorRange ComputeRange(CalibrationMethod method, double percentile = 99.999, int quantizedBins = 128)
    {
        if (Count == 0) throw new QuantizationException($"tensor '{TensorName}': no calibration values were collected");
        if (method == CalibrationMethod.MinMax || !_histogramStarted) return new TensorRange(Min, Max);
        if (_histogram is null) throw new InvalidOperationException($"tensor '{TensorName}': {method} calibration needs a histogram (histogramBins > 0)");
        double threshold = method switch
        {
            CalibrationMethod.Percentile => PercentileThreshold(percentile),
            CalibrationMethod.Entropy => EntropyThreshold(quantizedBins),
            _ => throw new ArgumentOutOfRangeException(nameof(method), method, "unknown calibration method"),
        };
        return new TensorRange(Math.Max(Min, (float)-threshold), Math.Min(Max, (float)threshold));
    }

    private double PercentileThreshold(double percentile)
    {
        long[] h = _histogram!;
        double target = Count * percentile / 100.0;
        long cumulative = 0;
        for (int i = 0; i < h.Length; i++)
        {
            cumulative += h[i];
            if (cumulative >= target) return (i + 1) * _binWidth;
        }
        return h.Length * _binWidth;
    }

    /// <summary>
    /// TensorRT's entropy calibration on the |x| histogram: for every candidate threshold i (bins),
    /// P = the first i bins with the outliers added to the last one, Q = those bins merged into
    /// <paramref name="quantizedBins"/> levels and spread back over P's non-empty bins; pick the i
    /// with the smallest KL(P || Q).
    /// </summary>
    private double EntropyThreshold(int quantizedBins)
    {
        // Exact zeros (Relu outputs, padding) pile up in bin 0; left as they are, that spike dominates
        // every KL and drives the threshold to the smallest candidate. Like NVIDIA's
        // pytorch-quantization, give bin 0 the count of bin 1.
        long[] h = (long[])_histogram!.Clone();
        int bins = h.Length;
        if (bins > 1) h[0] = h[1];
        int last = bins - 1;
        while (last > 0 && h[last] == 0) last--;
        int upper = Math.Max(last + 1, quantizedBins);
        if (upper <= quantizedBins) return upper * _binWidth;

        var suffix = new long[bins + 1];
        for (int i = bins - 1; i >= 0; i--) suffix[i] = suffix[i + 1] + h[i];
        var p = new double[upper];
        var q = new double[upper];
        double bestDivergence = double.PositiveInfinity;
        int bestI = upper;
        for (int i = quantizedBins; i <= upper; i++)
        {
            for (int k = 0; k < i; k++) p[k] = h[k];
            p[i - 1] += suffix[i];
            Array.Clear(q, 0, i);
            for (int j = 0; j < quantizedBins; j++)
            {
                int start = (int)((long)j * i / quantizedBins);
                int stop = (int)((long)(j + 1) * i / quantizedBins);
                double sum = 0;
                int nonZero = 0;
                for (int k = start; k < stop; k++)
                {
                    sum += h[k];
                    if (p[k] != 0) nonZero++;
                }
                if (nonZero == 0) continue;
                double share = sum / nonZero;
                for (int k = start; k < stop; k++)
                {
                    if (p[k] != 0) q[k] = share;
                }
            }
            double divergence = KlDivergence(p, q, i);
            if (divergence < bestDivergence)
            {
                bestDivergence = divergence;
                bestI = i;
            }
        }
        return bestI * _binWidth;
    }

    private static double KlDivergence(double[] p, double[] q, int length)
    {
        double pSum = 0, qSum = 0;
        for (int k = 0; k < length; k++)
        {
            pSum += p[k];
            qSum += q[k];
        }
        if (pSum == 0) return 0;
        if (qSum == 0) return double.PositiveInfinity;
        const double epsilon = 1e-10;
        double divergence = 0;
        for (int k = 0; k < length; k++)
        {
            if (p[k] == 0) continue;
            double pk = p[k] / pSum;
            double qk = Math.Max(q[k] / qSum, epsilon);
            divergence += pk * Math.Log(pk / qk);
        }
        return divergence;
    }
}
