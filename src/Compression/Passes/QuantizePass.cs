using System.Globalization;
using EdgeToolkit.Compression.Quantization;
using EdgeToolkit.ModelBundle;
using EdgeToolkit.Preprocessing;

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
        // The accuracy check runs on images calibration never saw, through the same manifest contract.
        IReadOnlyList<LabeledBatch> heldOut = [];
        if (Options.Quantization.MaxAccuracyDrop is not null)
        {
            var calibrated = indices.ToHashSet();
            var rest = Enumerable.Range(0, calibration.Count).Where(i => !calibrated.Contains(i)).ToArray();
            int take = Math.Min(Options.HeldOutImages, rest.Length);
            if (take == 0)
                throw new QuantizationException($"--max-drop: the calibration data set ({calibration.Count} images) has no image left over for the held-out check after {count} calibration images; lower --calibration");
            var held = calibration.Subset(Enumerable.Range(0, take).Select(i => rest[(int)((long)i * rest.Length / take)]).ToArray());
            heldOut = BundleInputBatches.Read(held, m, 100).Select(b => new LabeledBatch(b.Data, b.Shape, b.Labels)).ToList();
        }
        // Staged inside the output folder; Write publishes it with its manifest (an interrupted run leaves the previous bundle intact).
        string onnx = ModelBundleFolder.StagingPath(outputBundle, m.ModelFile);
        var result = quantizer.QuantizeFile(source.ModelPath, onnx, batches, heldOut,
            new SynchronousProgress<CalibrationProgress>(p => { if (p.Samples == p.Total) progress?.Report($"quantize: calibrated on {p.Samples} images ({KebabCase.Name(p.Method)})"); }));
        var provenance = new Dictionary<string, string>(m.Provenance)
        {
            ["quantizer"] = string.Create(CultureInfo.InvariantCulture,
                $"QdqQuantizer {result.Calibration?.ToString() ?? KebabCase.Name(Options.Quantization.Method)}, {count} calibration images, float layers {FloatLayerNames.Format(Options.Quantization.FloatLayers)}" +
                $"{(Options.Quantization.FloatLayers.HasFlag(FloatLayers.Auto) ? $" -> {FloatLayerNames.Format(result.FloatLayers)}" : "")}" +
                $"{(Options.Quantization.EqualizeLayers ? ", equalized" : "")}{(result.ReducedWeightRange ? $", 7-bit weights{(Options.Quantization.ReduceWeightRange ? "" : " (x64 without VNNI)")}" : "")}, " +
                $"{result.QuantizedNodes.Count} quantized / {result.FloatNodes.Count} float nodes"),
            ["quantizationTarget"] = result.ActivationChoice?.ToString() ?? "",
            ["inputQuantization"] = result.InputQuantization ?? "not quantized",
            ["quantizationFusion"] = result.Fusion?.Summary ?? "",
            ["graphPreparation"] = result.Preparation?.ToString() ?? "",
            ["calibrationPreprocessing"] = BundleInputBatches.Describe(sample, m), // the route the calibration images took
            ["floatModel"] = RelativePath.From(outputBundle, source.ModelPath), // relative to this bundle's folder
        };
        if (result.BiasCorrectedLayers > 0) provenance["biasCorrection"] = $"{result.BiasCorrectedLayers} layers";
        if (result.AccuracyFallback is not null) provenance["accuracyFallback"] = result.AccuracyFallback.ToString();
        result = CheckLatency(result, source, onnx, progress);
        if (result.Latency is not null) provenance["latencyCheck"] = result.Latency.ToString();
        QuantizationReportWriter.Write(outputBundle, result);
        if (result.Calibration is not null) progress?.Report($"quantize: calibration {result.Calibration}");
        if (result.AccuracyFallback is not null) progress?.Report($"quantize: {result.AccuracyFallback}");
        if (result.LayerSqnr is { Count: > 0 } sqnr)
        {
            var worst = sqnr.MinBy(l => l.Value.IsolatedDb);
            var measured = sqnr.Where(l => l.Value.OutputDb is not null).ToList(); // OutputDb: only with --max-drop
            var worstOutput = measured.Count == 0 ? default : measured.MinBy(l => l.Value.OutputDb);
            progress?.Report(string.Create(CultureInfo.InvariantCulture,
                $"quantize: layer SQNR {sqnr.Values.Min(l => l.Db):F1}..{sqnr.Values.Max(l => l.Db):F1} dB against float; lowest alone: {worst.Key} {worst.Value.IsolatedDb:F1} dB") +
                (worstOutput.Key is null ? "" : string.Create(CultureInfo.InvariantCulture, $"; lowest model output with one layer quantized: {worstOutput.Key} {worstOutput.Value.OutputDb:F1} dB")));
        }
        if (result.InputQuantization is not null) progress?.Report($"quantize: {result.InputQuantization}");
        if (result.Fusion is not null) progress?.Report($"quantize: {result.Fusion.Summary}");
        if (result.ActivationChoice is not null) progress?.Report($"quantize: {result.ActivationChoice}");
        return ModelBundleFolder.Write(outputBundle, onnx, m with { Precision = Precision.Int8, Accuracy = null, Provenance = provenance });
    }

    /// <summary>
    /// Times fp32 against int8 when the target is this machine (<see cref="QuantizePassOptions.LatencyCheckMode"/>); says
    /// plainly when int8 is not faster, and with <see cref="LatencyCheckMode.Fail"/> removes the staged model and refuses.
    /// </summary>
    private QuantizationResult CheckLatency(QuantizationResult result, LoadedBundle source, string stagedModel, IProgress<string>? progress)
    {
        if (Options.LatencyCheckMode == LatencyCheckMode.Off || result.ActivationChoice is not { } choice) return result;
        var host = ActivationTypeChoice.DetectHost();
        if (choice.Target != host)
        {
            progress?.Report($"quantize: latency not checked: the target {KebabCase.Name(choice.Target)} is not this machine ({KebabCase.Name(host)}); time both bundles on the device with `edgekit bench`");
            return result;
        }
        var latency = LatencyComparison.Measure(source.ModelPath, stagedModel, source.Manifest.InputShape, Options.LatencyThreads);
        progress?.Report(latency.Int8NotFaster ? $"quantize: warning: {latency}" : $"quantize: {latency}");
        if (latency.Int8NotFaster && Options.LatencyCheckMode == LatencyCheckMode.Fail)
        {
            File.Delete(stagedModel);
            throw new QuantizationException($"{QuantizePassOptions.LatencyCheck.CliName} fail: {latency}; nothing written");
        }
        return result with { Latency = latency };
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
