using System.Globalization;
using EdgeToolkit.ModelBundle.Runtime;
using EdgeToolkit.Preprocessing;

namespace EdgeToolkit.Compression.Quantization;

/// <summary>
/// fp32 against int8 latency of one model on this machine: batch 1, <see cref="Threads"/> intra-op threads,
/// <c>ORT_ENABLE_ALL</c>, measured in rounds (fp32 then int8, int8 then fp32, ...) so that a change of machine load
/// hits both; the verdict is the median of the rounds' int8/fp32 ratios, each taken a moment apart (see <see cref="Ratio"/>).
/// An int8 model is not always faster: on small or
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
    /// <summary>
    /// int8 over fp32 (below 1: int8 is faster): the median of <see cref="RoundRatios"/> (for an even count the geometric
    /// mean of the middle two), not the ratio of the two medians. A VM can switch between two speeds (the 2-core x86 VM of
    /// docs/pruning.md, "Two speeds": 1.7x apart, a state lasting from a fraction of a second to seconds): the two medians
    /// can come from different states, a round's two figures are taken a moment apart. Three rounds with fp32 at 0.16, 0.16,
    /// 0.27 ms and int8 at 0.10, 0.17, 0.17 ms (a switch within the second round) are int8 at 0.63 of fp32, while the
    /// ratio of the medians says 1.06, "int8 not faster", and <c>--latency-check fail</c> would refuse the bundle.
    /// </summary>
    public double Ratio => Median.OfRatios(RoundRatios);

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
    /// Times <paramref name="fp32Path"/> and <paramref name="int8Path"/> in <paramref name="rounds"/> rounds of
    /// <paramref name="runs"/> runs each, the order swapped every round (a steady drift then slows each model second in
    /// turn); <paramref name="inputShape"/> fixes dynamic input dimensions (a manifest's
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
            if (r % 2 == 0)
            {
                fp32[r] = LatencyBenchmark.Run(fp32Path, options).P50Ms;
                int8[r] = LatencyBenchmark.Run(int8Path, options).P50Ms;
            }
            else
            {
                int8[r] = LatencyBenchmark.Run(int8Path, options).P50Ms;
                fp32[r] = LatencyBenchmark.Run(fp32Path, options).P50Ms;
            }
        }
        return new LatencyComparison(Median.Of(fp32), Median.Of(int8), fp32.Zip(int8, (f, q) => q / f).ToList(), threads, ActivationTypeChoice.DetectHost());
    }
}
