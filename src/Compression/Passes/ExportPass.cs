using System.Globalization;
using EdgeToolkit.Compression.Export;
using EdgeToolkit.ModelBundle;
using EdgeToolkit.Preprocessing;

namespace EdgeToolkit.Compression.Passes;

/// <summary>
/// Exports a checkpoint to ONNX with <see cref="OnnxExporter"/> (verified against TorchSharp on
/// random and real test images) and writes it as a model bundle with parameters and MACs in the manifest.
/// </summary>
public sealed class ExportPass : IPass
{
    /// <summary>Name in recipes.</summary>
    public const string PassName = "export";

    /// <summary>Creates the pass.</summary>
    public ExportPass(ExportPassOptions options) => Options = options ?? throw new ArgumentNullException(nameof(options));

    /// <summary>The options.</summary>
    public ExportPassOptions Options { get; }

    /// <inheritdoc/>
    public string Name => PassName;

    /// <inheritdoc/>
    public string? CheckInput(ArtefactKind? inputKind) => inputKind == ArtefactKind.Checkpoint ? null : "needs a TorchSharp checkpoint";

    /// <inheritdoc/>
    public ArtefactKind OutputKind(ArtefactKind? inputKind) => ArtefactKind.OnnxBundle;

    /// <inheritdoc/>
    public string VariantKey(ModelVariant target) => string.Create(CultureInfo.InvariantCulture, $"{target.Architecture}-a{target.Alpha}");

    /// <inheritdoc/>
    public bool AppliesTo(Artefact? input, ModelVariant target) => input is { Kind: ArtefactKind.Checkpoint };

    /// <summary>Exports one checkpoint folder to a bundle folder with <see cref="BundleExporter"/>.</summary>
    public BundleExportResult Export(string checkpointFolder, string bundleFolder, Training.Data.ImageDataset? verificationData, string provenance = "edgekit pipeline: export")
    {
        var options = new BundleExportOptions
        {
            Onnx = new OnnxExportOptions { Opset = Options.Opset, StandaloneBatchNorm = Options.StandaloneBatchNorm, TestTimeAugmentation = Options.TestTimeAugmentation },
            RealVerificationImages = Math.Max(1, Options.VerificationImages),
            Provenance = new Dictionary<string, string> { ["pass"] = provenance },
        };
        var data = Options.VerificationImages > 0 ? verificationData : null;
        return BundleExporter.ExportCheckpoint(checkpointFolder, bundleFolder, data, options);
    }

    /// <inheritdoc/>
    public Artefact Run(Artefact? input, string outputFolder, PassContext context)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(context);
        var manifest = Export(input.Folder, outputFolder, Options.VerificationImages > 0 ? context.Data.Test : null).Bundle.Manifest;
        context.Report(string.Create(CultureInfo.InvariantCulture,
            $"export: {input.Architecture} alpha {input.Alpha} -> {Path.Combine(outputFolder, manifest.ModelFile)} ({manifest.FileSizeBytes / 1024.0:F0} KiB)"));
        return (input with
        {
            Kind = ArtefactKind.OnnxBundle,
            Folder = outputFolder,
            CheckpointFolder = input.Folder,
            Parent = input,
        }).After(Options.TestTimeAugmentation == Training.Models.TestTimeAugmentation.None ? PassName : $"{PassName} (test-time {KebabCase.Name(Options.TestTimeAugmentation)})");
    }
}
