using System.Diagnostics;
using Microsoft.ML.OnnxRuntime;

namespace EdgeToolkit.ModelBundle.Runtime;

/// <summary>
/// Measures inference latency of an ONNX model with ONNX Runtime: one session, input and output
/// <see cref="OrtValue"/>s allocated once and bound with an <see cref="OrtIoBinding"/>, warm-up runs,
/// then per-run wall-clock times summarised as mean, min, p50, p90, p99 and max.
/// </summary>
public static class LatencyBenchmark
{
    /// <summary>
    /// Benchmarks <paramref name="modelPath"/> (first input and output; a dynamic batch dimension becomes the batch
    /// size, other dynamic input dimensions the sizes of <see cref="LatencyBenchmarkOptions.InputShape"/>).
    /// </summary>
    /// <param name="modelPath">ONNX model file.</param>
    /// <param name="options">Runs, warm-up, threads, batch size, optimisation level.</param>
    /// <param name="progress">Receives the number of timed runs done.</param>
    /// <exception cref="ArgumentException">An invalid option or a model that is not a float classifier.</exception>
    public static LatencyResult Run(string modelPath, LatencyBenchmarkOptions? options = null, IProgress<int>? progress = null)
    {
        options ??= new LatencyBenchmarkOptions();
        var (times, created, inputShape) = Execute(modelPath, options, null, progress, out _);
        Array.Sort(times);
        return new LatencyResult
        {
            Model = Path.GetFullPath(modelPath),
            InputShape = inputShape,
            Threads = options.Threads,
            OptimizationLevel = options.OptimizationLevel.ToString(),
            Provider = ExecutionProviderSelector.Name(created.Used),
            ProviderRequested = ExecutionProviderSelector.Name(created.Requested),
            ProviderFallback = created.Fallback,
            Warmup = options.Warmup,
            Runs = options.Runs,
            MeanMs = times.Average(),
            MinMs = times[0],
            P50Ms = Percentile(times, 0.50),
            P90Ms = Percentile(times, 0.90),
            P99Ms = Percentile(times, 0.99),
            MaxMs = times[^1],
        };
    }

    /// <summary>
    /// Runs <paramref name="modelPath"/> as <see cref="Run"/> does with ONNX Runtime's profiler on and returns each
    /// node's kernel time, averaged over the timed runs (the warm-up runs are left out). Use it for where the time
    /// goes, and compare shares within one profile: they depend far less on machine load than wall-clock times.
    /// </summary>
    public static OperatorProfile Profile(string modelPath, LatencyBenchmarkOptions? options = null)
    {
        options ??= new LatencyBenchmarkOptions();
        string prefix = Path.Combine(Path.GetTempPath(), $"edgekit-profile-{Guid.NewGuid():N}");
        Execute(modelPath, options, prefix, null, out string? file);
        try
        {
            return OperatorProfile.Parse(File.ReadAllBytes(file!), options.Warmup);
        }
        finally
        {
            File.Delete(file!);
        }
    }

    private static (double[] Times, ProviderSession Created, long[] InputShape) Execute(string modelPath, LatencyBenchmarkOptions options,
        string? profilePrefix, IProgress<int>? progress, out string? profileFile)
    {
        options.Validate();
        var created = ExecutionProviderSelector.CreateSession(modelPath, () =>
        {
            var sessionOptions = new SessionOptions
            {
                GraphOptimizationLevel = options.OptimizationLevel,
                IntraOpNumThreads = options.Threads,
                InterOpNumThreads = 1,
                ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            };
            if (profilePrefix is not null)
            {
                sessionOptions.EnableProfiling = true;
                sessionOptions.ProfileOutputPathPrefix = profilePrefix;
            }
            return sessionOptions;
        }, options.Provider, options.ProviderOptions);
        using var session = created.Session;
        var (inputName, inputMeta) = session.InputMetadata.First();
        var (outputName, outputMeta) = session.OutputMetadata.First();
        if (inputMeta.ElementType != typeof(float))
            throw new ArgumentException($"{modelPath}: input '{inputName}' is {inputMeta.ElementType.Name}; the benchmark feeds float tensors.");
        int[] dims = inputMeta.Dimensions;
        var shape = options.InputShape;
        if (shape is not null && shape.Count != dims.Length)
            throw new ArgumentException($"{modelPath}: input '{inputName}' has rank {dims.Length} but the given input shape [{string.Join(", ", shape)}] has {shape.Count} dimensions.");
        long[] inputShape = dims.Select((d, i) => d > 0 ? d : i > 0 && shape is not null && shape[i] > 0 ? shape[i] : (long)options.BatchSize).ToArray();
        long[] outputShape = outputMeta.Dimensions.Select(d => d > 0 ? (long)d : options.BatchSize).ToArray();

        var random = new Random(42);
        var pixels = new float[inputShape.Aggregate(1L, (a, b) => a * b)];
        for (int i = 0; i < pixels.Length; i++) pixels[i] = (float)(random.NextDouble() * 2 - 1);
        var logits = new float[outputShape.Aggregate(1L, (a, b) => a * b)];
        using var input = OrtValue.CreateTensorValueFromMemory(pixels, inputShape);
        using var output = OrtValue.CreateTensorValueFromMemory(logits, outputShape);
        using var binding = session.CreateIoBinding();
        binding.BindInput(inputName, input);
        binding.BindOutput(outputName, output);
        using var runOptions = new RunOptions();

        for (int i = 0; i < options.Warmup; i++)
            session.RunWithBinding(runOptions, binding);
        var times = new double[options.Runs];
        for (int i = 0; i < options.Runs; i++)
        {
            long start = Stopwatch.GetTimestamp();
            session.RunWithBinding(runOptions, binding);
            times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            progress?.Report(i + 1);
        }
        profileFile = profilePrefix is null ? null : session.EndProfiling();
        return (times, created, inputShape);
    }

    /// <summary>Nearest-rank percentile of sorted values.</summary>
    public static double Percentile(IReadOnlyList<double> sorted, double fraction)
    {
        if (sorted.Count == 0) throw new ArgumentException("no values", nameof(sorted));
        int rank = (int)Math.Ceiling(fraction * sorted.Count);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Count - 1)];
    }
}
