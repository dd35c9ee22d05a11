using System.Globalization;
using EdgeToolkit.Compression.Quantization;
using EdgeToolkit.ModelBundle;

namespace EdgeToolkit.Compression.Passes;

/// <summary>
/// Static INT8 QDQ quantization of a float bundle with <see cref="QdqQuantizer"/>, calibrated on
/// training images preprocessed as the manifest says. Applies to cells whose precision is
/// <c>int8</c>; <c>fp32</c> cells pass through.
/// </summary>
public sealed class QuantizePass : IPass
{
    /// <summary>Name in recipes.</summary>
    public const string PassName = "quantize";

    /// <summary>Creates the pass.</summary>
    public QuantizePass(QuantizePassOptions options) => Options = options ?? throw new ArgumentNullException(nameof(options));

    /// <summary>The options.</summary>
    public QuantizePassOptions Options { get; }

    /// <inheritdoc/>
    public string Name => PassName;

    /// <inheritdoc/>
    public string? CheckInput(ArtefactKind? inputKind) => inputKind == ArtefactKind.OnnxBundle ? null : "needs an ONNX bundle (put it after 'export')";

    /// <inheritdoc/>
    public ArtefactKind OutputKind(ArtefactKind? inputKind) => ArtefactKind.OnnxBundle;

    /// <inheritdoc/>
    public string VariantKey(ModelVariant target) => target.Tag;

    /// <inheritdoc/>
    public bool AppliesTo(Artefact? input, ModelVariant target) =>
        input is { Kind: ArtefactKind.OnnxBundle, Precision: Precision.Fp32 } && target.Precision == Precision.Int8;

    /// <summary>Quantizes the bundle in <paramref name="inputBundle"/> into <paramref name="outputBundle"/>, calibrating on <paramref name="calibration"/>.</summary>
    public BundleManifest Quantize(string inputBundle, string outputBundle, Training.Data.ImageDataset calibration, IProgress<string>? progress = null)
    {
        var source = ModelBundleFolder.Read(inputBundle);
        var m = source.Manifest;
        var quantizer = new QdqQuantizer(Options.Quantization);
        int count = Math.Min(Options.Quantization.CalibrationCount, calibration.Count);
        // An evenly spread, deterministic sample of the training set (the data may be sorted by class).
        var indices = Enumerable.Range(0, count).Select(i => (int)((long)i * calibration.Count / count)).ToArray();
        var sample = calibration.Subset(indices);
        var batches = BundleInputBatches.Read(sample, m, 64).Select(b => new CalibrationBatch(b.Data, b.Shape));
        Directory.CreateDirectory(outputBundle);
        string onnx = Path.Combine(outputBundle, "model.onnx");
        var result = quantizer.QuantizeFile(source.ModelPath, onnx, batches,
            new SynchronousProgress<CalibrationProgress>(p => { if (p.Samples == p.Total) progress?.Report($"quantize: calibrated on {p.Samples} images"); }));
        var provenance = new Dictionary<string, string>(m.Provenance)
        {
            ["quantizer"] = string.Create(CultureInfo.InvariantCulture,
                $"QdqQuantizer {Options.Quantization.Method}, {count} calibration images, float layers {FloatLayerNames.Format(Options.Quantization.FloatLayers)}" +
                $"{(Options.Quantization.EqualizeLayers ? ", equalized" : "")}{(Options.Quantization.ReduceWeightRange ? ", 7-bit weights" : "")}, " +
                $"{result.QuantizedNodes.Count} quantized / {result.FloatNodes.Count} float nodes"),
            ["quantizationTarget"] = result.ActivationChoice?.ToString() ?? "",
            ["quantizationFusion"] = result.Fusion?.Summary ?? "",
            ["graphPreparation"] = result.Preparation?.ToString() ?? "",
            ["floatModel"] = Path.GetFullPath(source.ModelPath),
        };
        QuantizationReportWriter.Write(outputBundle, result);
        if (result.Fusion is not null) progress?.Report($"quantize: {result.Fusion.Summary}");
        if (result.ActivationChoice is not null) progress?.Report($"quantize: {result.ActivationChoice}");
        return ModelBundleFolder.Write(outputBundle, onnx, m with { Precision = Precision.Int8, Accuracy = null, Provenance = provenance });
    }

    /// <inheritdoc/>
    public Artefact Run(Artefact? input, string outputFolder, PassContext context)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(context);
        var manifest = Quantize(input.Folder, outputFolder, context.Data.Train, context.Progress);
        context.Report(string.Create(CultureInfo.InvariantCulture,
            $"quantize: {input.Architecture} alpha {input.Alpha} int8 -> {Path.Combine(outputFolder, manifest.ModelFile)} ({manifest.FileSizeBytes / 1024.0:F0} KiB)"));
        return (input with
        {
            Folder = outputFolder,
            Precision = Precision.Int8,
            Parent = input,
            Measurements = new Dictionary<string, double>(),
        }).After(PassName);
    }
}
