using EdgeToolkit.Compression.Quantization;

namespace EdgeToolkit.Compression.Tests.Quantization;

public class TensorRangeCollectorTests
{
    /// <summary>Gaussian bulk with rare large outliers (heavy tail), in several batches of growing range.</summary>
    private static TensorRangeCollector HeavyTailed(int seed = 7)
    {
        var random = new Random(seed);
        var collector = new TensorRangeCollector("heavy");
        for (int batch = 0; batch < 8; batch++)
        {
            var values = new float[20_000];
            for (int i = 0; i < values.Length; i++)
            {
                float v = TinyOnnxModels.Gaussian(random);
                values[i] = random.NextDouble() < 0.0005 ? v * 30 * (batch + 1) : v;
            }
            collector.Add(values);
        }
        return collector;
    }

    [Fact]
    public void MinMax_IsTheObservedRange()
    {
        var collector = new TensorRangeCollector("t");
        collector.Add([-1f, 0.5f]);
        collector.Add([3f, -0.25f]);
        Assert.Equal(new TensorRange(-1f, 3f), collector.ComputeRange(CalibrationMethod.MinMax));
    }

    [Fact]
    public void Histogram_KeepsEveryValue_WhenItsRangeGrows()
    {
        var collector = HeavyTailed();
        Assert.Equal(collector.Count, collector.Histogram.Sum());
        double absMax = Math.Max(-collector.Min, collector.Max);
        Assert.True(collector.BinWidth * collector.Histogram.Length >= absMax);
    }

    [Theory]
    [InlineData(CalibrationMethod.Percentile)]
    [InlineData(CalibrationMethod.Entropy)]
    public void HeavyTailedTensor_ClippedRange_IsInsideMinMax_AndCoversTheBulk(CalibrationMethod method)
    {
        var collector = HeavyTailed();
        var minMax = collector.ComputeRange(CalibrationMethod.MinMax);
        var clipped = collector.ComputeRange(method, percentile: 99.9);

        Assert.True(float.IsFinite(clipped.Min) && float.IsFinite(clipped.Max));
        Assert.True(clipped.Width <= minMax.Width, $"{method} {clipped} vs minmax {minMax}");
        // Outliers reach hundreds; a sensible clip is far tighter but still keeps the Gaussian bulk (|x| < 3).
        Assert.True(clipped.Width < minMax.Width / 4, $"{method} {clipped} vs minmax {minMax}");
        Assert.True(clipped.Max > 2.5f && clipped.Min < -2.5f, $"{method} {clipped}");
    }

    [Fact]
    public void Entropy_OnAReluOutputWithManyZeros_StillCoversTheBulk()
    {
        // 70 % exact zeros (a Relu output): the zero spike must not pull the threshold to the minimum candidate.
        var random = new Random(3);
        var collector = new TensorRangeCollector("relu_out");
        var values = new float[100_000];
        for (int i = 0; i < values.Length; i++) values[i] = random.NextDouble() < 0.7 ? 0f : Math.Abs(TinyOnnxModels.Gaussian(random)) * 2;
        values[0] = 40f; // one outlier
        collector.Add(values);

        var range = collector.ComputeRange(CalibrationMethod.Entropy);

        Assert.Equal(0f, range.Min);
        Assert.InRange(range.Max, 4f, 20f);
    }

    [Fact]
    public void NonFiniteValue_IsRefusedNamingTheTensor()
    {
        var collector = new TensorRangeCollector("conv1_out");
        var e = Assert.Throws<QuantizationException>(() => collector.Add([1f, float.NaN]));
        Assert.Contains("conv1_out", e.Message);
    }

    [Fact]
    public void AllZeroTensor_GivesAZeroRange_WithoutFailing()
    {
        var collector = new TensorRangeCollector("zeros");
        collector.Add(new float[100]);
        Assert.Equal(new TensorRange(0f, 0f), collector.ComputeRange(CalibrationMethod.Entropy));
    }

    [Fact]
    public void Counts_the_values_at_min_and_max_across_batches()
    {
        var collector = new TensorRangeCollector("input");
        collector.Add([-1f, -1f, 0.5f, 1f]);
        collector.Add([-1f, 1f, 1f, 0f]);
        Assert.Equal((3L, 3L), (collector.MinCount, collector.MaxCount));
        collector.Add([-2f, 0f, -2f, 3f]); // a new min and max restart their counts
        Assert.Equal((-2f, 2L, 3f, 1L), (collector.Min, collector.MinCount, collector.Max, collector.MaxCount));
    }
}
