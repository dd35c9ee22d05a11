using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using EdgeToolkit.ModelBundle;
using Microsoft.ML.OnnxRuntime;

namespace EdgeToolkit.Compression.Passes;

/// <summary>
/// Batch-1 latency of an ONNX bundle in ONNX Runtime (all graph optimisations, pre-allocated input
/// and output): warm-up runs, then timed runs summarised as p50/p90/p99/max. Writes <c>bench.json</c>
/// and hands on the same model with the latencies added to its measurements.
/// </summary>
public sealed class BenchPass : IPass
{
    /// <summary>Name in recipes.</summary>
    public const string PassName = "bench";

    /// <summary>Report file written in the pass folder.</summary>
    public const string ReportFile = "bench.json";

    /// <summary>Creates the pass.</summary>
    public BenchPass(BenchPassOptions options) => Options = options ?? throw new ArgumentNullException(nameof(options));

    /// <summary>The options.</summary>
    public BenchPassOptions Options { get; }

    /// <inheritdoc/>
    public string Name => PassName;

    /// <inheritdoc/>
    public string? CheckInput(ArtefactKind? inputKind) => inputKind == ArtefactKind.OnnxBundle ? null : "needs an ONNX bundle (put it after 'export' or 'quantize')";

    /// <inheritdoc/>
    public ArtefactKind OutputKind(ArtefactKind? inputKind) => ArtefactKind.OnnxBundle;

    /// <inheritdoc/>
    public string VariantKey(ModelVariant target) => target.Tag;

    /// <inheritdoc/>
    public bool AppliesTo(Artefact? input, ModelVariant target) => input is { Kind: ArtefactKind.OnnxBundle };

    /// <summary>Latency percentiles in milliseconds: p50, p90, p99, max.</summary>
    public (double P50, double P90, double P99, double Max) Measure(string bundleFolder, int threads)
    {
        var bundle = ModelBundleFolder.Read(bundleFolder);
        var m = bundle.Manifest;
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        if (threads > 0) options.IntraOpNumThreads = threads;
        using var session = new InferenceSession(bundle.ModelPath, options);
        long[] shape = [1, m.Channels, m.Height, m.Width];
        var data = new float[m.Channels * m.Height * m.Width];
        var rng = new Random(1);
        for (int i = 0; i < data.Length; i++) data[i] = (float)(rng.NextDouble() * 2 - 1);
        int classes = m.Labels.Count;
        using var input = OrtValue.CreateTensorValueFromMemory(data, shape);
        using var output = OrtValue.CreateTensorValueFromMemory(new float[classes], [1, classes]);
        using var runOptions = new RunOptions();
        string[] inputNames = [m.InputName], outputNames = [m.OutputName];
        OrtValue[] inputs = [input], outputs = [output];
        for (int i = 0; i < Options.Warmup; i++) session.Run(runOptions, inputNames, inputs, outputNames, outputs);
        var times = new double[Options.Runs];
        for (int i = 0; i < times.Length; i++)
        {
            long start = Stopwatch.GetTimestamp();
            session.Run(runOptions, inputNames, inputs, outputNames, outputs);
            times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
        Array.Sort(times);
        return (Percentile(times, 50), Percentile(times, 90), Percentile(times, 99), times[^1]);
    }

    /// <summary>Nearest-rank percentile of sorted values.</summary>
    internal static double Percentile(double[] sorted, double p)
    {
        int rank = (int)Math.Ceiling(p / 100 * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }

    /// <inheritdoc/>
    public Artefact Run(Artefact? input, string outputFolder, PassContext context)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(context);
        int threads = Options.Threads > 0 ? Options.Threads : context.Threads;
        var (p50, p90, p99, max) = Measure(input.Folder, threads);
        Directory.CreateDirectory(outputFolder);
        File.WriteAllText(Path.Combine(outputFolder, ReportFile), JsonSerializer.Serialize(new
        {
            bundle = Path.GetFullPath(input.Folder),
            batch = 1,
            threads,
            warmup = Options.Warmup,
            runs = Options.Runs,
            p50Ms = p50,
            p90Ms = p90,
            p99Ms = p99,
            maxMs = max,
        }, new JsonSerializerOptions { WriteIndented = true }));
        context.Report(string.Create(CultureInfo.InvariantCulture,
            $"bench: {input.Architecture} alpha {input.Alpha} {input.Precision}: p50 {p50:F3} ms, p99 {p99:F3} ms ({Options.Runs} runs, batch 1)"));
        return input.After(PassName).WithMeasurements([new(MeasurementNames.LatencyP50Ms, p50), new(MeasurementNames.LatencyP99Ms, p99)]);
    }
}
