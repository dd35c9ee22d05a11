using EdgeToolkit.Compression.Export;
using EdgeToolkit.Compression.Passes.Options;
using EdgeToolkit.Training.Models;

namespace EdgeToolkit.Compression.Passes;

/// <summary>Options of <see cref="ExportPass"/>, declared once for recipes and <c>edgekit export</c>.</summary>
public sealed record ExportPassOptions
{
    /// <summary>The ONNX opsets the exporter writes (what <see cref="OnnxExportOptions.Validate"/> accepts).</summary>
    public static readonly IntPassOption OpsetOption = new("opset", OnnxExportOptions.DefaultOpset, OnnxExportOptions.SupportedOpsets.Min(), OnnxExportOptions.SupportedOpsets.Max(),
        "ONNX opset of the exported graph (IR 7 for 13, IR 8 for 17)")
    {
        Allowed = OnnxExportOptions.SupportedOpsets,
    };

    /// <summary>Real test images the export is verified on, besides random inputs.</summary>
    public static readonly IntPassOption VerificationImagesOption = new("verificationImages", 64, 0, 10_000,
        "Real test images to verify the export on against TorchSharp, besides random inputs (0 = random inputs only)")
    {
        CliAliases = ["--verify-images"],
    };

    /// <summary>How a BatchNorm that follows no convolution (DenseNet) is written.</summary>
    public static readonly EnumPassOption<StandaloneBatchNormMode> StandaloneBatchNormOption = new("standaloneBatchNorm", StandaloneBatchNormMode.DepthwiseConv,
        "BatchNorm not after a conv (DenseNet): a depthwise 1x1 conv (quantizes) or an ONNX BatchNormalization")
    {
        CliAliases = ["--standalone-batchnorm"],
    };

    /// <summary>Test-time augmentation written into the graph.</summary>
    public static readonly EnumPassOption<TestTimeAugmentation> TestTimeAugmentationOption = new("testTimeAugmentation", TestTimeAugmentation.None,
        "Test-time augmentation in the exported graph: flip = mean of the logits of each image and its mirror (two forward passes per image on the device)")
    {
        CliAliases = ["--tta"],
    };

    /// <summary>Every setting of the pass, in help order.</summary>
    public static IReadOnlyList<PassOption> Declared => [OpsetOption, VerificationImagesOption, StandaloneBatchNormOption, TestTimeAugmentationOption];

    /// <summary>ONNX opset (<see cref="OpsetOption"/>).</summary>
    public int Opset { get; init; } = OpsetOption.Default;

    /// <summary>Test images also used to verify the export (<see cref="VerificationImagesOption"/>).</summary>
    public int VerificationImages { get; init; } = VerificationImagesOption.Default;

    /// <summary>How a standalone BatchNorm is written (<see cref="StandaloneBatchNormOption"/>).</summary>
    public StandaloneBatchNormMode StandaloneBatchNorm { get; init; } = StandaloneBatchNormOption.Default;

    /// <summary>Test-time augmentation in the graph (<see cref="TestTimeAugmentationOption"/>).</summary>
    public TestTimeAugmentation TestTimeAugmentation { get; init; } = TestTimeAugmentationOption.Default;

    /// <summary>Reads and validates the options of a recipe entry.</summary>
    public static ExportPassOptions Read(RecipeOptionReader r)
    {
        ArgumentNullException.ThrowIfNull(r);
        var o = new ExportPassOptions
        {
            Opset = OpsetOption.Read(r),
            VerificationImages = VerificationImagesOption.Read(r),
            StandaloneBatchNorm = StandaloneBatchNormOption.Read(r),
            TestTimeAugmentation = TestTimeAugmentationOption.Read(r),
        };
        r.RejectUnknown("the export pass");
        return o;
    }
}
