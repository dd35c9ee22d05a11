using System.Globalization;
using EdgeToolkit.ModelBundle.Runtime;
using EdgeToolkit.Preprocessing;

namespace EdgeToolkit.Compression.Quantization;

/// <summary>
/// fp32 against int8 latency of one model on this machine: batch 1, <see cref="Threads"/> intra-op threads,
/// <c>ORT_ENABLE_ALL</c>, measured in alternating rounds (fp32, int8, fp32, ...) so that a change of machine load
/// hits both; the median of the rounds' p50 is kept. An int8 model is not always faster: on small or
/// data-movement-heavy graphs (SqueezeNet, ShuffleNet, MobileNetV3-Small) ONNX Runtime's int8 kernels and
/// requantization can cost more than its blocked fp32 kernels save (docs/quantization.md, "When int8 does not pay").
/// </summary>
/// <param name="Fp32P50Ms">Median over rounds of the fp32 model's p50, in milliseconds.</param>
/// <param name="Int8P50Ms">Median over rounds of the int8 model's p50, in milliseconds.</param>
/// <param name="RoundRatios">int8/fp32 of each round, in round order.</param>
/// <param name="Threads">Intra-op threads.</param>
/// <param name="Host">The CPU family measured on.</param>
public sealed record LatencyComparison(double Fp32P50Ms, double Int8P50Ms, IReadOnlyList<double> RoundRatios, int Threads, QuantizationTarget Host)
{
    /// <summary>int8 p50 over fp32 p50 (below 1: int8 is faster).</summary>
    public double Ratio => Int8P50Ms / Fp32P50Ms;

    /// <summary>True when int8 is not faster than fp32 on this machine.</summary>
    public bool Int8NotFaster => Ratio >= 1;

    /// <summary>One line for logs, provenance and the report: the verdict in words, then the figures.</summary>
    public override string ToString()
    {
        string figures = string.Create(CultureInfo.InvariantCulture,
            $"p50 int8 {Int8P50Ms:F3} ms, fp32 {Fp32P50Ms:F3} ms; {KebabCase.Name(Host)}, {Threads} thread{(Threads == 1 ? "" : "s")}, batch 1, {RoundRatios.Count} alternating rounds, ratio range {RoundRatios.Min():F2}-{RoundRatios.Max():F2}");
        return Int8NotFaster
            ? string.Create(CultureInfo.InvariantCulture, $"int8 is {Ratio:F2}x slower than fp32 on this machine ({figures}); ship the fp32 bundle for this CPU or see docs/quantization.md, \"When int8 does not pay\"")
            : string.Create(CultureInfo.InvariantCulture, $"int8 takes {Ratio:F2} of the fp32 time on this machine ({figures})");
    }

    /// <summary>
    /// Times <paramref name="fp32Path"/> and <paramref name="int8Path"/> in <paramref name="rounds"/> alternating rounds of
    /// <paramref name="runs"/> runs each; <paramref name="inputShape"/> fixes dynamic input dimensions (a manifest's
    /// <c>inputShape</c>, batch -1), as <see cref="LatencyBenchmarkOptions.InputShape"/>.
    /// </summary>
    public static LatencyComparison Measure(string fp32Path, string int8Path, IReadOnlyList<int>? inputShape, int threads, int rounds = 3, int runs = 20)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rounds, 1);
        var options = new LatencyBenchmarkOptions { Runs = runs, Warmup = Math.Max(3, runs / 2), Threads = threads, BatchSize = 1, InputShape = inputShape };
        var fp32 = new double[rounds];
        var int8 = new double[rounds];
        for (int r = 0; r < rounds; r++)
        {
            fp32[r] = LatencyBenchmark.Run(fp32Path, options).P50Ms;
            int8[r] = LatencyBenchmark.Run(int8Path, options).P50Ms;
        }
        return new LatencyComparison(Median.Of(fp32), Median.Of(int8), fp32.Zip(int8, (f, q) => q / f).ToList(), threads, ActivationTypeChoice.DetectHost());
    }
}
