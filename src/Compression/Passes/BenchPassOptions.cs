using EdgeToolkit.Compression.Passes.Options;
using EdgeToolkit.ModelBundle.Runtime;
using Microsoft.ML.OnnxRuntime;

namespace EdgeToolkit.Compression.Passes;

/// <summary>Options of <see cref="BenchPass"/>, declared once for recipes and <c>edgekit bench</c>.</summary>
public sealed record BenchPassOptions
{
    /// <summary>Untimed runs before timing.</summary>
    public static IntPassOption WarmupOption { get; } = new("warmup", 20, 0, 100_000, "Untimed warm-up runs");

    /// <summary>Timed batch-1 runs.</summary>
    public static IntPassOption RunsOption { get; } = new("runs", 200, 1, 1_000_000, "Timed batch-1 runs");

    /// <summary>ONNX Runtime intra-op threads (on the command line, several counts may be given; each is measured).</summary>
    public static IntPassOption ThreadsOption { get; } = new("threads", 1, 1, 256, "ONNX Runtime intra-op threads (1 is the device-like setting, least disturbed by other load)");

    /// <summary>Graph optimisation level.</summary>
    public static EnumPassOption<GraphOptimization> OptimizationOption { get; } = new("optimization", GraphOptimization.All, "Graph optimisation level");

    /// <summary>Execution provider.</summary>
    public static EnumPassOption<ExecutionProvider> ProviderOption { get; } = new("provider", ExecutionProvider.Cpu,
        "ONNX Runtime execution provider (one the loaded library lacks falls back to cpu, and the output says so)");

    /// <summary>CUDA / TensorRT device index.</summary>
    public static IntPassOption DeviceIdOption { get; } = new("deviceId", 0, 0, 64, "CUDA / TensorRT device index");

    /// <summary>Every setting of the pass, in help order.</summary>
    public static IReadOnlyList<PassOption> Declared => [RunsOption, WarmupOption, ThreadsOption, OptimizationOption, ProviderOption, DeviceIdOption];

    /// <summary>Untimed runs first (<see cref="WarmupOption"/>).</summary>
    public int Warmup { get; init; } = WarmupOption.Default;

    /// <summary>Timed batch-1 runs (<see cref="RunsOption"/>).</summary>
    public int Runs { get; init; } = RunsOption.Default;

    /// <summary>ONNX Runtime intra-op threads (<see cref="ThreadsOption"/>).</summary>
    public int Threads { get; init; } = ThreadsOption.Default;

    /// <summary>Graph optimisation level (<see cref="OptimizationOption"/>).</summary>
    public GraphOptimization Optimization { get; init; } = OptimizationOption.Default;

    /// <summary>Execution provider (<see cref="ProviderOption"/>).</summary>
    public ExecutionProvider Provider { get; init; } = ProviderOption.Default;

    /// <summary>CUDA / TensorRT device index (<see cref="DeviceIdOption"/>).</summary>
    public int DeviceId { get; init; } = DeviceIdOption.Default;

    /// <summary>The ONNX Runtime level of <see cref="Optimization"/>.</summary>
    public GraphOptimizationLevel OrtOptimizationLevel => Optimization switch
    {
        GraphOptimization.Disable => GraphOptimizationLevel.ORT_DISABLE_ALL,
        GraphOptimization.Basic => GraphOptimizationLevel.ORT_ENABLE_BASIC,
        GraphOptimization.Extended => GraphOptimizationLevel.ORT_ENABLE_EXTENDED,
        _ => GraphOptimizationLevel.ORT_ENABLE_ALL,
    };

    /// <summary>
    /// Builds the options from the values of <see cref="Declared"/> (a recipe entry or the command line) except
    /// <see cref="ThreadsOption"/>: a recipe gives one count (<see cref="Read"/>), <c>edgekit bench</c> several, each passed to
    /// <see cref="BenchPass.Measure"/>.
    /// </summary>
    public static BenchPassOptions Bind(IPassOptionValues values)
    {
        ArgumentNullException.ThrowIfNull(values);
        return new BenchPassOptions
        {
            Warmup = values.Get(WarmupOption),
            Runs = values.Get(RunsOption),
            Optimization = values.Get(OptimizationOption),
            Provider = values.Get(ProviderOption),
            DeviceId = values.Get(DeviceIdOption),
        };
    }

    /// <summary>Reads and validates the options of a recipe entry.</summary>
    public static BenchPassOptions Read(RecipeOptionReader r)
    {
        ArgumentNullException.ThrowIfNull(r);
        var o = Bind(r) with { Threads = r.Get(ThreadsOption) };
        r.RejectUnknown("the bench pass");
        return o;
    }
}
