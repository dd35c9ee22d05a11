using System.Globalization;
using EdgeToolkit.Compression.Export;
using EdgeToolkit.ModelBundle;
using EdgeToolkit.Training.Models;
using EdgeToolkit.Training.Training;
using TorchSharp;
using static TorchSharp.torch;

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

    /// <summary>Exports one checkpoint folder to a bundle folder; returns the manifest written.</summary>
    public BundleManifest Export(string checkpointFolder, string bundleFolder, Training.Data.ImageDataset? verificationData)
    {
        using var checkpoint = Checkpoint.Load(checkpointFolder);
        var spec = checkpoint.Spec;
        var exporter = new OnnxExporter(new OnnxExportOptions { Opset = Options.Opset });
        Directory.CreateDirectory(bundleFolder);
        string onnx = Path.Combine(bundleFolder, "model.onnx");
        Tensor? real = null;
        try
        {
            if (verificationData is not null && Options.VerificationImages > 0)
            {
                var subset = verificationData.Subset(Enumerable.Range(0, Math.Min(Options.VerificationImages, verificationData.Count)).ToArray());
                using var loader = new Training.Data.BatchLoader(subset, ClassifierEvaluator.LoaderOptions(spec, subset.Count));
                foreach (var (x, y) in loader.Batches(0))
                {
                    y.Dispose();
                    real ??= x;
                }
            }
            exporter.ExportAndVerify(checkpoint.Model, spec, onnx, real);
        }
        finally
        {
            real?.Dispose();
        }
        var complexity = ModelComplexity.Measure(checkpoint.Model, spec.InputChannels, spec.InputSize, spec.InputSize);
        var manifest = new BundleManifest
        {
            Architecture = spec.Architecture,
            Alpha = spec.Alpha,
            Precision = "fp32",
            InputName = OnnxExporter.InputName,
            OutputName = OnnxExporter.OutputName,
            InputShape = [-1, spec.InputChannels, spec.InputSize, spec.InputSize],
            ChannelOrder = spec.InputChannels == 1 ? "GRAY" : "RGB",
            ResizePolicy = "stretch",
            Mean = spec.Mean,
            Std = spec.Std,
            Labels = spec.Labels,
            Accuracy = checkpoint.Metrics?.TestAccuracy,
            Parameters = complexity.Parameters,
            Macs = complexity.Macs,
            Provenance = new Dictionary<string, string>
            {
                ["tool"] = "edgekit " + typeof(ExportPass).Assembly.GetName().Version,
                ["checkpoint"] = Path.GetFullPath(checkpointFolder),
                ["exporter"] = $"OnnxExporter opset {Options.Opset}",
            },
        };
        return ModelBundleFolder.Write(bundleFolder, onnx, manifest);
    }

    /// <inheritdoc/>
    public Artefact Run(Artefact? input, string outputFolder, PassContext context)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(context);
        var manifest = Export(input.Folder, outputFolder, Options.VerificationImages > 0 ? context.Data.Test : null);
        context.Report(string.Create(CultureInfo.InvariantCulture,
            $"export: {input.Architecture} alpha {input.Alpha} -> {Path.Combine(outputFolder, manifest.ModelFile)} ({manifest.FileSizeBytes / 1024.0:F0} KiB)"));
        return (input with
        {
            Kind = ArtefactKind.OnnxBundle,
            Folder = outputFolder,
            CheckpointFolder = input.Folder,
            Parent = input,
        }).After(PassName);
    }
}
