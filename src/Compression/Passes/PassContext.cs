namespace EdgeToolkit.Compression.Passes;

/// <summary>What every pass may use besides its input: the data, the target cell of the matrix, progress and cancellation.</summary>
public sealed class PassContext
{
    /// <summary>Creates a context.</summary>
    public PassContext(IDatasetSource data, ModelVariant target, IProgress<string>? progress = null, CancellationToken cancellation = default)
    {
        Data = data;
        Target = target;
        Progress = progress;
        Cancellation = cancellation;
    }

    /// <summary>Training and test images.</summary>
    public IDatasetSource Data { get; }

    /// <summary>The matrix cell the pipeline is producing.</summary>
    public ModelVariant Target { get; }

    /// <summary>Plain progress lines (null = silent).</summary>
    public IProgress<string>? Progress { get; }

    /// <summary>Cancels long passes between batches.</summary>
    public CancellationToken Cancellation { get; }

    /// <summary>Seed for everything random.</summary>
    public int Seed { get; init; } = 42;

    /// <summary>libtorch / ONNX Runtime intra-op threads (0 = default).</summary>
    public int Threads { get; init; }

    /// <summary>Reports one progress line.</summary>
    public void Report(string line) => Progress?.Report(line);
}
