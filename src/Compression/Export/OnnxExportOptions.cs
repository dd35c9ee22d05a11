namespace EdgeToolkit.Compression.Export;

/// <summary>Settings of <see cref="OnnxExporter"/>; the defaults are what <c>edgekit export</c> uses.</summary>
public sealed record OnnxExportOptions
{
    /// <summary>ONNX opset: 13 (IR 7) or 17 (IR 8).</summary>
    public int Opset { get; init; } = 13;

    /// <summary>How a BatchNorm that does not follow a convolution is written.</summary>
    public StandaloneBatchNormMode StandaloneBatchNorm { get; init; } = StandaloneBatchNormMode.DepthwiseConv;

    /// <summary>Largest accepted max |logit difference| between ONNX Runtime and TorchSharp.</summary>
    public double Tolerance { get; init; } = 1e-4;

    /// <summary>Random images used to verify the export (besides any real inputs given).</summary>
    public int RandomVerificationImages { get; init; } = 8;

    /// <summary>Seed of the random verification images.</summary>
    public long Seed { get; init; } = 1234;

    /// <summary>Throws naming the first bad setting.</summary>
    public void Validate()
    {
        if (Opset is not (13 or 17))
            throw new ArgumentException($"OnnxExportOptions.Opset must be 13 or 17 but was {Opset}.");
        if (!(Tolerance > 0))
            throw new ArgumentException($"OnnxExportOptions.Tolerance must be positive but was {Tolerance}.");
        if (RandomVerificationImages < 1)
            throw new ArgumentException($"OnnxExportOptions.RandomVerificationImages must be at least 1 but was {RandomVerificationImages}.");
        if (!Enum.IsDefined(StandaloneBatchNorm))
            throw new ArgumentException($"OnnxExportOptions.StandaloneBatchNorm {StandaloneBatchNorm} is not defined.");
    }
}
