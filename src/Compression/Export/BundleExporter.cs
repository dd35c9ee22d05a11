using System.Globalization;
using EdgeToolkit.ModelBundle;
using EdgeToolkit.Preprocessing;
using EdgeToolkit.Training.Data;
using EdgeToolkit.Training.Models;
using EdgeToolkit.Training.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace EdgeToolkit.Compression.Export;

/// <summary>
/// Writes a verified model bundle (<c>model.onnx</c> + <c>manifest.json</c>) from a TorchSharp model or a
/// checkpoint folder: export, verification against TorchSharp, parameters/MACs, accuracy, then
/// <see cref="ModelBundleFolder.Write"/> and a validating <see cref="ModelBundleFolder.Read"/>.
/// </summary>
public static class BundleExporter
{
    /// <summary>Exports the checkpoint at <paramref name="checkpointFolder"/> (accuracy = its stored test accuracy).</summary>
    /// <param name="checkpointFolder">A folder with <c>model.bin</c> + <c>spec.json</c>.</param>
    /// <param name="bundleFolder">Output bundle folder (created).</param>
    /// <param name="realData">Images to verify on besides random inputs (optional).</param>
    /// <param name="options">Export settings.</param>
    public static BundleExportResult ExportCheckpoint(string checkpointFolder, string bundleFolder, ImageDataset? realData = null, BundleExportOptions? options = null)
    {
        using var checkpoint = Checkpoint.Load(checkpointFolder);
        var provenance = new Dictionary<string, string>((options ?? new BundleExportOptions()).Provenance)
        {
            // Relative to the bundle folder, so a run folder copied to another machine still says where the model came from.
            ["checkpoint"] = RelativePath.From(bundleFolder, checkpoint.Path),
        };
        if (checkpoint.Metrics is { } m) provenance["epoch"] = m.Epoch.ToString(CultureInfo.InvariantCulture);
        return Export(checkpoint.Model, checkpoint.Spec, bundleFolder, checkpoint.Metrics?.TestAccuracy, realData,
            (options ?? new BundleExportOptions()) with { Provenance = provenance });
    }

    /// <summary>Exports <paramref name="model"/> described by <paramref name="spec"/> as a bundle.</summary>
    /// <param name="model">The trained model (its training flag is restored).</param>
    /// <param name="spec">Architecture, input, normalisation and labels.</param>
    /// <param name="bundleFolder">Output bundle folder (created).</param>
    /// <param name="accuracy">Top-1 accuracy to record (null = unknown).</param>
    /// <param name="realData">Images to verify on besides random inputs (optional).</param>
    /// <param name="options">Export settings.</param>
    /// <exception cref="OnnxExportException">The model cannot be exported or does not verify.</exception>
    public static BundleExportResult Export(nn.Module<Tensor, Tensor> model, ModelSpec spec, string bundleFolder, double? accuracy = null,
        ImageDataset? realData = null, BundleExportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(spec);
        options ??= new BundleExportOptions();
        // The model is staged inside the folder; Write publishes model and manifest together, so an
        // interrupted export leaves the previous bundle intact.
        string onnxPath = ModelBundleFolder.StagingPath(bundleFolder);

        OnnxExportResult export;
        using (Tensor? real = realData is null ? null : RealInputs(realData, spec, options.RealVerificationImages))
            export = new OnnxExporter(options.Onnx).ExportAndVerify(model, spec, onnxPath, real);
        var complexity = ModelComplexity.Measure(model, spec.InputChannels, spec.InputSize, spec.InputSize);
        int c = spec.InputChannels;
        var (resize, resizeFrom) = TrainingResizePolicy(spec, realData, options);
        var provenance = new Dictionary<string, string>(options.Provenance)
        {
            ["resize_policy_from"] = resizeFrom,
            ["tool"] = "edgekit export",
            ["opset"] = options.Onnx.Opset.ToString(CultureInfo.InvariantCulture),
            ["export_max_abs_diff"] = export.MaxAbsDiff.ToString("E3", CultureInfo.InvariantCulture),
        };
        // With test-time flip the graph runs the network twice per image: the MACs say so, and the checkpoint's
        // accuracy (measured without the flip) does not describe this bundle until it is evaluated.
        bool flip = options.Onnx.TestTimeAugmentation == TestTimeAugmentation.Flip;
        if (flip)
        {
            provenance["test_time_augmentation"] = "flip: mean of the logits of the image and its mirror, 2 forward passes per image";
            accuracy = null;
        }
        var manifest = new BundleManifest
        {
            Architecture = spec.Architecture,
            Alpha = spec.Alpha,
            ChannelPlan = spec.ChannelPlan,
            Precision = Precision.Fp32,
            InputName = OnnxExporter.InputName,
            OutputName = OnnxExporter.OutputName,
            InputShape = [-1, c, spec.InputSize, spec.InputSize],
            ChannelOrder = c == 1 ? ChannelOrder.Gray : ChannelOrder.Rgb,
            ResizePolicy = resize,
            Mean = PerChannel(spec.Mean, c, "Mean"),
            Std = PerChannel(spec.Std, c, "Std"),
            Labels = spec.Labels.Count == spec.NumClasses
                ? spec.Labels
                : Enumerable.Range(0, spec.NumClasses).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToArray(),
            Accuracy = accuracy,
            Parameters = complexity.Parameters,
            Macs = flip ? 2 * complexity.Macs : complexity.Macs,
            Provenance = provenance,
        };
        ModelBundleFolder.Write(bundleFolder, onnxPath, manifest);
        return new BundleExportResult(ModelBundleFolder.Read(bundleFolder), export);
    }

    /// <summary>The first <paramref name="max"/> images of a dataset preprocessed as for evaluation; the caller disposes the tensor.</summary>
    public static Tensor RealInputs(ImageDataset data, ModelSpec spec, int max)
    {
        var subset = data.Count <= max ? data : data.Subset(Enumerable.Range(0, max).ToArray());
        using var loader = new BatchLoader(subset, ClassifierEvaluator.LoaderOptions(spec, Math.Max(1, subset.Count)));
        foreach (var (images, labels) in loader.Batches(0))
        {
            labels.Dispose();
            return images;
        }
        throw new ArgumentException($"{data.Source}: no images to verify the export on", nameof(data));
    }

    /// <summary>The policy to write and where it came from (the option, the checkpoint spec, the data set, or the fallback).</summary>
    private static (ResizePolicy Policy, string From) TrainingResizePolicy(ModelSpec spec, ImageDataset? realData, BundleExportOptions options)
    {
        if (options.ResizePolicy is { } forced) return (forced, "option");
        if (spec.ResizePolicy is { } trained) return (trained, "checkpoint");
        if (realData is not null) return (BatchLoader.ResizePolicyFor(realData, spec.InputSize), "dataset");
        return (ResizePolicy.CenterCrop, "default");
    }

    private static float[] PerChannel(IReadOnlyList<float> values, int channels, string name)
    {
        if (values.Count == channels) return values.ToArray();
        if (values.Count == 1) return Enumerable.Repeat(values[0], channels).ToArray();
        throw new ArgumentException($"ModelSpec.{name} has {values.Count} values; expected 1 or {channels} (one per input channel)");
    }
}
