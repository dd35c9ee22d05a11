using System.Globalization;
using System.Text.Json;
using EdgeToolkit.ModelBundle;
using EdgeToolkit.Compression.Evaluation;
using EdgeToolkit.Preprocessing;

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

    /// <summary>Top-1 and top-5 accuracy of a bundle on <paramref name="test"/> (limited to <see cref="EvaluatePassOptions.Limit"/> images) with <see cref="OnnxEvaluator"/>.</summary>
    public (double Top1, double Top5, int Images, string Preprocessing) Evaluate(string bundleFolder, Training.Data.ImageDataset test, int threads = 0, CancellationToken cancellationToken = default)
    {
        var (result, preprocessing) = EvaluateFully(bundleFolder, test, threads, cancellationToken: cancellationToken);
        return (result.Top1, result.Top5 ?? result.Top1, result.Images, preprocessing);
    }

    /// <summary>
    /// As <see cref="Evaluate"/>, with the confusion matrix and labels (written to <see cref="ReportFile"/>, drawn by the report)
    /// and the preprocessing used. <c>edgekit eval-bundle</c> runs this too: the verb and the pass evaluate the same images the same way.
    /// </summary>
    public (Training.Training.EvaluationResult Result, string Preprocessing) EvaluateFully(string bundleFolder, Training.Data.ImageDataset test, int threads = 0,
        IProgress<EvaluationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(test);
        test = RecipeDatasetSource.Limit(test, Options.Limit);
        using var evaluator = new OnnxEvaluator(ModelBundleFolder.Read(bundleFolder),
            new OnnxEvaluatorOptions { BatchSize = Options.BatchSize, Threads = threads, Preprocessing = Options.Preprocessing });
        var result = evaluator.Evaluate(test, progress, cancellationToken);
        return (result, evaluator.DescribePreprocessing(test));
    }

    /// <inheritdoc/>
    public Artefact Run(Artefact? input, string outputFolder, PassContext context)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(context);
        var (full, preprocessing) = EvaluateFully(input.Folder, context.Data.Test, context.Threads, cancellationToken: context.Cancellation);
        var (top1, top5, images) = (full.Top1, full.Top5 ?? full.Top1, full.Images);
        AtomicFile.WriteAllText(Path.Combine(outputFolder, ReportFile), JsonSerializer.Serialize(new
        {
            bundle = RelativePath.From(outputFolder, input.Folder), // relative to this report's folder
            architecture = input.Architecture,
            alpha = input.Alpha,
            precision = input.Precision,
            images,
            top1,
            top5,
            preprocessing,
            labels = full.Labels,
            confusion = full.Confusion,
        }, new JsonSerializerOptions { WriteIndented = true }));
        context.Report(string.Create(CultureInfo.InvariantCulture,
            $"evaluate: {input.Architecture} alpha {input.Alpha} {KebabCase.Name(input.Precision)}: top-1 {top1:P2} on {images} test images (ONNX Runtime; {preprocessing})"));
        return input.After(PassName).WithMeasurements([new(MeasurementNames.Accuracy, top1), new(MeasurementNames.Top5, top5)]);
    }
}
