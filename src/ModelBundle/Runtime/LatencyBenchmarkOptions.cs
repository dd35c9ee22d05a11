using Microsoft.ML.OnnxRuntime;

namespace EdgeToolkit.ModelBundle.Runtime;

/// <summary>Settings of <see cref="LatencyBenchmark"/>.</summary>
public sealed record LatencyBenchmarkOptions
{
    /// <summary>Timed runs.</summary>
    public int Runs { get; init; } = 200;

    /// <summary>Untimed runs before timing (lets ONNX Runtime allocate and caches warm up).</summary>
    public int Warmup { get; init; } = 20;

    /// <summary>ONNX Runtime intra-op threads (IntraOpNumThreads).</summary>
    public int Threads { get; init; } = 1;

    /// <summary>Images per run (1 = the device case).</summary>
    public int BatchSize { get; init; } = 1;

    /// <summary>
    /// The shape the model is used at (a bundle manifest's <c>inputShape</c>, batch -1): the input's dynamic
    /// dimensions other than the batch take these sizes, so a model with dynamic height and width is timed at
    /// the size it serves rather than at 1x1. Null: every dynamic dimension is <see cref="BatchSize"/>.
    /// </summary>
    public IReadOnlyList<int>? InputShape { get; init; }

    /// <summary>Graph optimisation level of the session.</summary>
    public GraphOptimizationLevel OptimizationLevel { get; init; } = GraphOptimizationLevel.ORT_ENABLE_ALL;

    /// <summary>Execution provider asked for (the CPU when the loaded ONNX Runtime lacks it; the result says which ran).</summary>
    public ExecutionProvider Provider { get; init; } = ExecutionProvider.Cpu;

    /// <summary>Device id, TensorRT and XNNPACK settings of <see cref="Provider"/>.</summary>
    public ExecutionProviderOptions ProviderOptions { get; init; } = new();

    /// <summary>Throws naming the first bad setting.</summary>
    public void Validate()
    {
        if (Runs < 1) throw new ArgumentException($"LatencyBenchmarkOptions.Runs must be at least 1 but was {Runs}.");
        if (Warmup < 0) throw new ArgumentException($"LatencyBenchmarkOptions.Warmup must be 0 or more but was {Warmup}.");
        if (Threads < 1) throw new ArgumentException($"LatencyBenchmarkOptions.Threads must be at least 1 but was {Threads}.");
        if (BatchSize < 1) throw new ArgumentException($"LatencyBenchmarkOptions.BatchSize must be at least 1 but was {BatchSize}.");
        if (!Enum.IsDefined(Provider)) throw new ArgumentException($"LatencyBenchmarkOptions.Provider {(int)Provider} is not one of {string.Join(", ", ExecutionProviderSelector.Names)}.");
        if (ProviderOptions.Check("LatencyBenchmarkOptions.ProviderOptions") is [var first, ..]) throw new ArgumentException(first + ".");
    }
}
