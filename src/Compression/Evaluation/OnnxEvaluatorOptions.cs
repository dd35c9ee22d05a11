using Microsoft.ML.OnnxRuntime;

namespace EdgeToolkit.Compression.Evaluation;

/// <summary>Settings of <see cref="OnnxEvaluator"/>.</summary>
public sealed record OnnxEvaluatorOptions
{
    /// <summary>Images per ONNX Runtime call.</summary>
    public int BatchSize { get; init; } = 256;

    /// <summary>ONNX Runtime intra-op threads; 0 = ONNX Runtime's default.</summary>
    public int Threads { get; init; }

    /// <summary>How images become model inputs: the manifest's contract as on the device (default), or training's loader.</summary>
    public EvaluationPreprocessing Preprocessing { get; init; } = EvaluationPreprocessing.Manifest;

    /// <summary>Graph optimisation level of the session.</summary>
    public GraphOptimizationLevel OptimizationLevel { get; init; } = GraphOptimizationLevel.ORT_ENABLE_ALL;

    /// <summary>Throws naming the first bad setting.</summary>
    public void Validate()
    {
        if (BatchSize < 1)
            throw new ArgumentException($"OnnxEvaluatorOptions.BatchSize must be at least 1 but was {BatchSize}.");
        if (Threads < 0)
            throw new ArgumentException($"OnnxEvaluatorOptions.Threads must be 0 (default) or positive but was {Threads}.");
    }
}
