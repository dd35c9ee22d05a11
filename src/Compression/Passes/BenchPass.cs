using System.Globalization;
using EdgeToolkit.ModelBundle;
using EdgeToolkit.ModelBundle.Runtime;
using EdgeToolkit.Preprocessing;

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

    /// <summary>
    /// Batch-1 latency of the bundle's model with <see cref="LatencyBenchmark"/>, with <paramref name="threads"/> intra-op threads
    /// (<see cref="BenchPassOptions.Threads"/> when null); <c>edgekit bench</c> calls this once per thread count it is given.
    /// </summary>
    public LatencyResult Measure(string bundleFolder, int? threads = null)
    {
        var bundle = ModelBundleFolder.Read(bundleFolder);
        return LatencyBenchmark.Run(bundle.ModelPath, new LatencyBenchmarkOptions
        {
            Runs = Options.Runs,
            Warmup = Options.Warmup,
            Threads = threads ?? Options.Threads,
            BatchSize = 1,
            InputShape = bundle.Manifest.InputShape,
            OptimizationLevel = Options.OrtOptimizationLevel,
            Provider = Options.Provider,
            ProviderOptions = new ExecutionProviderOptions { DeviceId = Options.DeviceId },
        });
    }

    /// <inheritdoc/>
    public Artefact Run(Artefact? input, string outputFolder, PassContext context)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(context);
        int threads = Options.Threads;
        var result = Measure(input.Folder);
        Directory.CreateDirectory(outputFolder);
        // The report names the model relative to its own folder, not as an absolute path of this machine.
        (result with { Model = RelativePath.From(outputFolder, result.Model) }).Save(Path.Combine(outputFolder, ReportFile));
        double p50 = result.P50Ms, p99 = result.P99Ms;
        context.Report(string.Create(CultureInfo.InvariantCulture,
            $"bench: {input.Architecture} alpha {input.Alpha} {KebabCase.Name(input.Precision)}: p50 {p50:F3} ms, p99 {p99:F3} ms ({Options.Runs} runs, batch 1, {threads} thread(s))"));
        return input.After(PassName).WithMeasurements([new(MeasurementNames.LatencyP50Ms, p50), new(MeasurementNames.LatencyP99Ms, p99)]);
    }
}
