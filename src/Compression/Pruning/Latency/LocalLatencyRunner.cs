using EdgeToolkit.ModelBundle.Runtime;

namespace EdgeToolkit.Compression.Pruning.Latency;

/// <summary>Measures models on this host with ONNX Runtime (<see cref="LatencyBenchmark"/>: one session, bound buffers, median of the runs).</summary>
public sealed class LocalLatencyRunner : ILatencyRunner
{
    private readonly LatencyBenchmarkOptions _options;

    /// <summary>Creates the runner; the defaults suit small blocks (5 warm-up runs, 60 timed runs, 1 thread).</summary>
    /// <exception cref="ArgumentException">Invalid benchmark options.</exception>
    public LocalLatencyRunner(LatencyBenchmarkOptions? options = null)
    {
        _options = options ?? new LatencyBenchmarkOptions { Warmup = 5, Runs = 60, Threads = 1 };
        _options.Validate();
        Fingerprint = DeviceFingerprint.Local(_options.Threads);
    }

    /// <inheritdoc/>
    public DeviceFingerprint Fingerprint { get; }

    /// <inheritdoc/>
    public IReadOnlyList<double> Measure(IReadOnlyList<string> modelPaths, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(modelPaths);
        var times = new double[modelPaths.Count];
        for (int i = 0; i < times.Length; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            times[i] = LatencyBenchmark.Run(modelPaths[i], _options).P50Ms;
        }
        return times;
    }
}
