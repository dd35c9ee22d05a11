namespace EdgeToolkit.Compression.Export;

/// <summary>Settings of <see cref="OnnxExporter"/>; the defaults are what <c>edgekit export</c> uses.</summary>
public sealed record OnnxExportOptions
{
    /// <summary>The ONNX opsets the exporter writes: 13 (IR 7) and 17 (IR 8); the export pass's option is declared from this list.</summary>
    public static IReadOnlyList<int> SupportedOpsets { get; } = [13, 17];

    /// <summary>The opset written when none is asked for.</summary>
    public const int DefaultOpset = 13;

    /// <summary>ONNX opset: one of <see cref="SupportedOpsets"/>.</summary>
    public int Opset { get; init; } = DefaultOpset;

    /// <summary>How a BatchNorm that does not follow a convolution is written.</summary>
    public StandaloneBatchNormMode StandaloneBatchNorm { get; init; } = StandaloneBatchNormMode.DepthwiseConv;

    /// <summary>
    /// Test-time augmentation written into the graph (<see cref="Training.Models.TestTimeAugmentation.Flip"/>: the mean of the
    /// logits of each image and its mirror, two forward passes per image on the device). Off by default.
    /// </summary>
    public Training.Models.TestTimeAugmentation TestTimeAugmentation { get; init; } = Training.Models.TestTimeAugmentation.None;

    /// <summary>Largest accepted max |logit difference| between ONNX Runtime and TorchSharp.</summary>
    public double Tolerance { get; init; } = 1e-4;

    /// <summary>Random images used to verify the export (besides any real inputs given).</summary>
    public int RandomVerificationImages { get; init; } = 8;

    /// <summary>Seed of the random verification images.</summary>
    public long Seed { get; init; } = 1234;

    /// <summary>Throws naming the first bad setting.</summary>
    public void Validate()
    {
        if (!SupportedOpsets.Contains(Opset))
            throw new ArgumentException($"OnnxExportOptions.Opset must be {string.Join(" or ", SupportedOpsets)} but was {Opset}.");
        if (!(Tolerance > 0))
            throw new ArgumentException($"OnnxExportOptions.Tolerance must be positive but was {Tolerance}.");
        if (RandomVerificationImages < 1)
            throw new ArgumentException($"OnnxExportOptions.RandomVerificationImages must be at least 1 but was {RandomVerificationImages}.");
        if (!Enum.IsDefined(TestTimeAugmentation))
            throw new ArgumentException($"OnnxExportOptions.TestTimeAugmentation {TestTimeAugmentation} is not defined.");
        if (!Enum.IsDefined(StandaloneBatchNorm))
            throw new ArgumentException($"OnnxExportOptions.StandaloneBatchNorm {StandaloneBatchNorm} is not defined.");
    }
}
