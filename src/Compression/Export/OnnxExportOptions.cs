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

    /// <summary>Largest accepted |logit difference| between ONNX Runtime and TorchSharp, whatever the logits' scale.</summary>
    public double Tolerance { get; init; } = 1e-4;

    /// <summary>
    /// Accepted |logit difference| on top of <see cref="Tolerance"/>, per unit of the image's largest |logit|: float32
    /// rounding grows with the scale a network computes at. Measured (session 30, real test images): MobileNet v1 1.0
    /// trained 4 epochs, logits up to 51.2, differences up to 3.8e-5 (7.4e-7 x the scale); its alpha-0.25 cut, 20.1 and
    /// 1.1e-5 (5.7e-7 x). A model whose logits moved by 1.11e-4 with no changed prediction was refused on the absolute
    /// tolerance alone (CI, 2026-12-04). 1e-5 leaves a factor 13 over those.
    /// </summary>
    public double RelativeTolerance { get; init; } = 1e-5;

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
        if (!(RelativeTolerance >= 0) || double.IsPositiveInfinity(RelativeTolerance))
            throw new ArgumentException($"OnnxExportOptions.RelativeTolerance must be zero or positive but was {RelativeTolerance}.");
        if (RandomVerificationImages < 1)
            throw new ArgumentException($"OnnxExportOptions.RandomVerificationImages must be at least 1 but was {RandomVerificationImages}.");
        if (!Enum.IsDefined(TestTimeAugmentation))
            throw new ArgumentException($"OnnxExportOptions.TestTimeAugmentation {TestTimeAugmentation} is not defined.");
        if (!Enum.IsDefined(StandaloneBatchNorm))
            throw new ArgumentException($"OnnxExportOptions.StandaloneBatchNorm {StandaloneBatchNorm} is not defined.");
    }
}
