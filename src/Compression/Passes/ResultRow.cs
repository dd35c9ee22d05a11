using EdgeToolkit.ModelBundle;

namespace EdgeToolkit.Compression.Passes;

/// <summary>One row of the results table: one matrix cell after all passes.</summary>
/// <param name="Architecture">Architecture name.</param>
/// <param name="Alpha">Width multiplier.</param>
/// <param name="Precision"><c>fp32</c> or <c>int8</c>.</param>
/// <param name="Parameters">Parameter count.</param>
/// <param name="Macs">Multiply-accumulates per image.</param>
/// <param name="FileSizeBytes">Size of the model file (ONNX, or model.bin for a checkpoint).</param>
/// <param name="Accuracy">Top-1 test accuracy in [0, 1] (ONNX Runtime when evaluated, else TorchSharp), null when not measured.</param>
/// <param name="LatencyP50Ms">Batch-1 median latency in ms, null when not measured.</param>
/// <param name="LatencyP99Ms">Batch-1 p99 latency in ms, null when not measured.</param>
/// <param name="ModelFolder">Folder of the final model (bundle or checkpoint).</param>
public sealed record ResultRow(
    string Architecture,
    double Alpha,
    Precision Precision,
    long Parameters,
    long Macs,
    long FileSizeBytes,
    double? Accuracy,
    double? LatencyP50Ms,
    double? LatencyP99Ms,
    string ModelFolder)
{
    /// <summary>Passes that changed this cell's model, in order (e.g. train, prune, finetune, export, quantize).</summary>
    public IReadOnlyList<string> Lineage { get; init; } = [];

    /// <summary>Accuracy right after pruning, before fine-tuning (null when not pruned).</summary>
    public double? PrunedAccuracy { get; init; }
}
