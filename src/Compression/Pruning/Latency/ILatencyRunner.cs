using EdgeToolkit.ModelBundle.Runtime;

namespace EdgeToolkit.Compression.Pruning.Latency;

/// <summary>
/// Measures ONNX models on the machine that will run the network (this host, or a device reached over ssh)
/// and says which machine that is. The models are written on the host; the runner only times them.
/// </summary>
public interface ILatencyRunner
{
    /// <summary>The machine, runtime, threads and precision the measurements are valid for.</summary>
    DeviceFingerprint Fingerprint { get; }

    /// <summary>Median batch-1 latency in milliseconds of each model file, in order.</summary>
    /// <param name="modelPaths">ONNX files with one float input and one float output.</param>
    /// <param name="cancellationToken">Stops between models.</param>
    IReadOnlyList<double> Measure(IReadOnlyList<string> modelPaths, CancellationToken cancellationToken = default);
}
