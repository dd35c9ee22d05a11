using EdgeToolkit.Compression.Quantization;

namespace EdgeToolkit.Compression.Tests.Quantization;

public sealed class LatencyComparisonTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("latency-comparison-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Slower_int8_is_said_plainly_with_the_figures()
    {
        var slower = new LatencyComparison(2.93, 3.36, [1.14, 1.15, 1.17], 2, QuantizationTarget.X64Vnni);

        Assert.True(slower.Int8NotFaster);
        Assert.StartsWith("int8 is 1.15x slower than fp32 on this machine (p50 int8 3.360 ms, fp32 2.930 ms; x64-vnni, 2 threads, batch 1, 3 alternating rounds, ratio range 1.14-1.17)",
            slower.ToString(), StringComparison.Ordinal);
        var faster = new LatencyComparison(3.43, 1.68, [0.44, 0.49, 0.56], 1, QuantizationTarget.X64);
        Assert.False(faster.Int8NotFaster);
        Assert.Equal("int8 takes 0.49 of the fp32 time on this machine (p50 int8 1.680 ms, fp32 3.430 ms; x64, 1 thread, batch 1, 3 alternating rounds, ratio range 0.44-0.56)", faster.ToString());
    }

    [Fact]
    public void The_verdict_is_the_median_of_the_rounds_ratios_not_the_ratio_of_the_medians()
    {
        // fp32 at 0.16, 0.16, 0.27 ms and int8 at 0.10, 0.17, 0.17 ms: the machine switched to its slow speed (1.7x)
        // between the two figures of the second round. Each round's figures were taken a moment apart.
        double[] fp32 = [0.16, 0.16, 0.27], int8 = [0.10, 0.17, 0.17];
        var comparison = new LatencyComparison(0.16, 0.17, fp32.Zip(int8, (f, q) => q / f).ToList(), 1, QuantizationTarget.X64Vnni);

        Assert.True(comparison.Int8P50Ms / comparison.Fp32P50Ms > 1, "the premise: the ratio of the medians says int8 is slower");
        Assert.Equal(0.17 / 0.27, comparison.Ratio, 12);
        Assert.False(comparison.Int8NotFaster);
        Assert.StartsWith("int8 takes 0.63 of the fp32 time on this machine", comparison.ToString(), StringComparison.Ordinal);
        // An even count: the geometric mean of the middle two.
        Assert.Equal(Math.Sqrt(0.5 * 0.8), new LatencyComparison(1, 1, [0.4, 0.5, 0.8, 0.9], 1, QuantizationTarget.X64).Ratio, 12);
    }

    [Fact]
    public void Measure_times_both_models_in_alternating_rounds()
    {
        var floatModel = TinyOnnxModels.Chain();
        string fp32 = Path.Combine(_dir, "fp32.onnx"), int8 = Path.Combine(_dir, "int8.onnx");
        File.WriteAllBytes(fp32, Google.Protobuf.MessageExtensions.ToByteArray(floatModel));
        new QdqQuantizer(new QuantizationOptions { CalibrationCount = 4, SqnrSamples = 0 }).QuantizeFile(fp32, int8, QdqQuantizerTests.Calibration(4));

        var latency = LatencyComparison.Measure(fp32, int8, null, threads: 1, rounds: 3, runs: 5);

        Assert.Equal(3, latency.RoundRatios.Count);
        Assert.True(latency.Fp32P50Ms > 0 && latency.Int8P50Ms > 0);
        Assert.Equal(latency.RoundRatios.Order().ElementAt(1), latency.Ratio, 12);
        Assert.Equal(ActivationTypeChoice.DetectHost(), latency.Host);
    }
}
