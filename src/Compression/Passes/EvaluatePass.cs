using System.Globalization;
using System.Text.Json;
using EdgeToolkit.ModelBundle;
using Microsoft.ML.OnnxRuntime;

namespace EdgeToolkit.Compression.Passes;

/// <summary>
/// Top-1 (and top-5) accuracy of an ONNX bundle on the test set through ONNX Runtime, preprocessed
/// as the manifest says. Writes <c>eval.json</c> in its folder and hands on the same model with the
/// accuracy added to its measurements.
/// </summary>
public sealed class EvaluatePass : IPass
{
    /// <summary>Name in recipes.</summary>
    public const string PassName = "evaluate";

    /// <summary>Report file written in the pass folder.</summary>
    public const string ReportFile = "eval.json";

    /// <summary>Creates the pass.</summary>
    public EvaluatePass(EvaluatePassOptions options) => Options = options ?? throw new ArgumentNullException(nameof(options));

    /// <summary>The options.</summary>
    public EvaluatePassOptions Options { get; }

    /// <inheritdoc/>
    public string Name => PassName;

    /// <inheritdoc/>
    public string? CheckInput(ArtefactKind? inputKind) => inputKind == ArtefactKind.OnnxBundle ? null : "needs an ONNX bundle (put it after 'export' or 'quantize')";

    /// <inheritdoc/>
    public ArtefactKind OutputKind(ArtefactKind? inputKind) => ArtefactKind.OnnxBundle;

    /// <inheritdoc/>
    public string VariantKey(ModelVariant target) => target.Tag;

    /// <inheritdoc/>
    public bool AppliesTo(Artefact? input, ModelVariant target) => input is { Kind: ArtefactKind.OnnxBundle };

    /// <summary>Top-1 and top-5 accuracy of a bundle on <paramref name="test"/>.</summary>
    public (double Top1, double Top5, int Images) Evaluate(string bundleFolder, Training.Data.ImageDataset test, int threads = 0)
    {
        var bundle = ModelBundleFolder.Read(bundleFolder);
        var m = bundle.Manifest;
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        if (threads > 0) options.IntraOpNumThreads = threads;
        using var session = new InferenceSession(bundle.ModelPath, options);
        long correct = 0, correct5 = 0;
        int images = 0;
        foreach (var (data, shape, labels) in BundleInputBatches.Read(test, m, Options.BatchSize, Options.Limit))
        {
            using var input = OrtValue.CreateTensorValueFromMemory(data, shape);
            using var outputs = session.Run(new RunOptions(), new Dictionary<string, OrtValue> { [m.InputName] = input }, [m.OutputName]);
            var logits = outputs[0].GetTensorDataAsSpan<float>();
            int classes = logits.Length / labels.Length;
            for (int i = 0; i < labels.Length; i++)
            {
                var row = logits.Slice(i * classes, classes);
                float target = row[(int)labels[i]];
                int higher = 0;
                foreach (float v in row) if (v > target) higher++;
                if (higher == 0) correct++;
                if (higher < 5) correct5++;
            }
            images += labels.Length;
        }
        return images == 0 ? (0, 0, 0) : ((double)correct / images, (double)correct5 / images, images);
    }

    /// <inheritdoc/>
    public Artefact Run(Artefact? input, string outputFolder, PassContext context)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(context);
        var (top1, top5, images) = Evaluate(input.Folder, context.Data.Test, context.Threads);
        Directory.CreateDirectory(outputFolder);
        File.WriteAllText(Path.Combine(outputFolder, ReportFile), JsonSerializer.Serialize(new
        {
            bundle = Path.GetFullPath(input.Folder),
            architecture = input.Architecture,
            alpha = input.Alpha,
            precision = input.Precision,
            images,
            top1,
            top5,
        }, new JsonSerializerOptions { WriteIndented = true }));
        context.Report(string.Create(CultureInfo.InvariantCulture,
            $"evaluate: {input.Architecture} alpha {input.Alpha} {input.Precision}: top-1 {top1:P2} on {images} test images (ONNX Runtime)"));
        return input.After(PassName).WithMeasurements([new(MeasurementNames.Accuracy, top1), new(MeasurementNames.Top5, top5)]);
    }
}
