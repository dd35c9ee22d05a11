namespace EdgeToolkit.Compression.Passes;

/// <summary>Keys of <see cref="Artefact.Measurements"/> written by the evaluate and bench passes.</summary>
public static class MeasurementNames
{
    /// <summary>Top-1 accuracy in [0, 1].</summary>
    public const string Accuracy = "accuracy";

    /// <summary>Top-5 accuracy in [0, 1].</summary>
    public const string Top5 = "top5";

    /// <summary>Batch-1 latency median, milliseconds.</summary>
    public const string LatencyP50Ms = "latency_p50_ms";

    /// <summary>Batch-1 latency 99th percentile, milliseconds.</summary>
    public const string LatencyP99Ms = "latency_p99_ms";

    /// <summary>Top-1 accuracy of the TorchSharp checkpoint on the test set, in [0, 1] (as trained or fine-tuned).</summary>
    public const string TorchAccuracy = "torch_accuracy";

    /// <summary>Top-1 accuracy right after pruning, before BatchNorm recalibration and fine-tuning, in [0, 1].</summary>
    public const string PrunedAccuracy = "pruned_accuracy";

    /// <summary>Top-1 accuracy right after pruning and BatchNorm recalibration, before fine-tuning, in [0, 1].</summary>
    public const string RecalibratedAccuracy = "recalibrated_accuracy";
}
