using EdgeToolkit.Compression.Export;
using EdgeToolkit.Compression.Passes;
using EdgeToolkit.ModelBundle;
using EdgeToolkit.Preprocessing;
using EdgeToolkit.Training.Data;
using EdgeToolkit.Training.Training;
using Microsoft.ML.OnnxRuntime;
using TorchSharp;
using static TorchSharp.torch;

namespace EdgeToolkit.Compression.Evaluation;

/// <summary>
/// Evaluates a bundle's ONNX classifier with ONNX Runtime: top-1, top-5 (more than 5 classes) and the
/// confusion matrix. By default images become inputs through the manifest's contract
/// (<see cref="BundleInputBatches"/>, the code the device agent runs), so the accuracy reported is the accuracy
/// the device gets; <see cref="EvaluationPreprocessing.TrainingLoader"/> uses training's <see cref="BatchLoader"/> instead.
/// </summary>
public sealed class OnnxEvaluator : IDisposable
{
    private readonly InferenceSession session;

    /// <summary>Opens a session on the bundle's model.</summary>
    public OnnxEvaluator(LoadedBundle bundle, OnnxEvaluatorOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(bundle);
        Options = options ?? new OnnxEvaluatorOptions();
        Options.Validate();
        Manifest = bundle.Manifest;
        if (Manifest.Height != Manifest.Width)
            throw new ArgumentException($"{bundle.Folder}: inputShape {Manifest.Height}x{Manifest.Width} is not square; evaluation supports square inputs only.");
        using var sessionOptions = new SessionOptions { GraphOptimizationLevel = Options.OptimizationLevel };
        if (Options.Threads > 0) sessionOptions.IntraOpNumThreads = Options.Threads;
        try
        {
            session = new InferenceSession(bundle.ModelPath, sessionOptions);
        }
        catch (OnnxRuntimeException e)
        {
            throw new InvalidDataException($"{bundle.ModelPath}: ONNX Runtime cannot load the model: {e.Message}", e);
        }
        modelPath = bundle.ModelPath;
        // torch.onnx.export fixes the batch at 1 unless told otherwise: feed such a model in its own batch size.
        fixedBatch = OrtClassifier.FixedBatchSize(session);
        BatchSize = fixedBatch > 0 ? fixedBatch : Options.BatchSize;
    }

    // The model input's fixed batch size (0 = any): a ragged last batch is padded up to it.
    private readonly int fixedBatch;
    private readonly string modelPath;

    /// <summary>Images per ONNX Runtime call: <see cref="OnnxEvaluatorOptions.BatchSize"/>, or the model's fixed batch size when its input has one.</summary>
    public int BatchSize { get; }

    /// <summary>The bundle's manifest (input shape, normalisation, labels).</summary>
    public BundleManifest Manifest { get; }

    /// <summary>The settings in use.</summary>
    public OnnxEvaluatorOptions Options { get; }

    /// <summary>Loader options that preprocess a dataset for this model (no augmentation, no shuffle).</summary>
    public BatchLoaderOptions LoaderOptions => new()
    {
        BatchSize = BatchSize,
        Mean = Manifest.Mean.ToArray(),
        Std = Manifest.Std.ToArray(),
        TargetSize = Manifest.Height,
        TargetChannels = Manifest.Channels,
    };

    /// <summary>How <paramref name="data"/> becomes model inputs under <see cref="OnnxEvaluatorOptions.Preprocessing"/>: the route results name.</summary>
    public string DescribePreprocessing(ImageDataset data) => Options.Preprocessing == EvaluationPreprocessing.Manifest
        ? BundleInputBatches.Describe(data, Manifest)
        : $"training loader (TorchSharp BatchLoader, ignores resizePolicy {KebabCase.Name(Manifest.ResizePolicy)}): {data.Height}x{data.Width} stored pixels to {Manifest.Height}x{Manifest.Width}";

    /// <summary>Top-1/top-5 accuracy and confusion matrix on <paramref name="data"/>.</summary>
    /// <exception cref="ArgumentException">The dataset has more classes than the model predicts.</exception>
    public EvaluationResult Evaluate(ImageDataset data, IProgress<EvaluationProgress>? progress = null, CancellationToken cancellationToken = default) =>
        Run(data, progress, cancellationToken).Result;

    /// <summary>The predicted class of every image of <paramref name="data"/>, in dataset order.</summary>
    public int[] Predict(ImageDataset data, IProgress<EvaluationProgress>? progress = null, CancellationToken cancellationToken = default) =>
        Run(data, progress, cancellationToken).Predictions;

    private (EvaluationResult Result, int[] Predictions) Run(ImageDataset data, IProgress<EvaluationProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(data);
        int classes = Manifest.Labels.Count;
        if (data.ClassNames.Count > classes)
            throw new ArgumentException($"{data.Source}: dataset has {data.ClassNames.Count} classes but the model predicts {classes} (manifest labels).", nameof(data));
        bool withTop5 = classes > 5;
        var confusion = new long[classes][];
        for (int i = 0; i < classes; i++) confusion[i] = new long[classes];
        var predictions = new int[data.Count];
        long top5Hits = 0;
        int done = 0;
        foreach (var (pixels, shape, truth) in Batches(data))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var (input, inputShape) = PadToFixedBatch(pixels, shape);
            float[] logits;
            try
            {
                logits = OrtClassifier.Run(session, input, inputShape);
            }
            catch (OnnxRuntimeException e)
            {
                // Reported by the CLI as an error naming the model, not as an unhandled exception.
                throw new InvalidDataException($"{modelPath}: ONNX Runtime failed on a batch of shape [{string.Join(", ", inputShape)}]: {e.Message}", e);
            }
            if (logits.Length != inputShape[0] * classes)
                throw new InvalidOperationException($"{Manifest.ModelFile}: output '{Manifest.OutputName}' has {logits.Length / Math.Max(1, inputShape[0])} values per image but the manifest has {classes} labels.");
            for (int i = 0; i < truth.Length; i++)
            {
                var row = logits.AsSpan(i * classes, classes);
                int predicted = OrtClassifier.ArgMax(row);
                predictions[done + i] = predicted;
                confusion[truth[i]][predicted]++;
                if (withTop5 && IsInTopK(row, (int)truth[i], 5)) top5Hits++;
            }
            done += truth.Length;
            progress?.Report(new EvaluationProgress(done, data.Count));
        }
        long correct = 0;
        for (int i = 0; i < classes; i++) correct += confusion[i][i];
        double top1 = done == 0 ? 0 : (double)correct / done;
        double? top5 = withTop5 && done > 0 ? (double)top5Hits / done : null;
        return (new EvaluationResult(done, top1, top5, confusion, Manifest.Labels), predictions);
    }

    // A model exported with a fixed batch of N > 1 refuses the last, shorter batch of a dataset whose size is not a
    // multiple of N: that batch is padded with zero images, whose outputs are not read.
    private (float[] Data, long[] Shape) PadToFixedBatch(float[] pixels, long[] shape)
    {
        if (fixedBatch <= 0 || shape[0] >= fixedBatch) return (pixels, shape);
        var padded = new float[pixels.Length / shape[0] * fixedBatch];
        pixels.CopyTo(padded, 0);
        var paddedShape = (long[])shape.Clone();
        paddedShape[0] = fixedBatch;
        return (padded, paddedShape);
    }

    private IEnumerable<(float[] Data, long[] Shape, long[] Labels)> Batches(ImageDataset data)
    {
        if (Options.Preprocessing == EvaluationPreprocessing.Manifest)
        {
            foreach (var batch in BundleInputBatches.Read(data, Manifest, BatchSize))
                yield return batch;
            yield break;
        }
        using var loader = new BatchLoader(data, LoaderOptions);
        foreach (var (images, labels) in loader.Batches(0))
        {
            using var x = images;
            using var y = labels;
            yield return (x.contiguous().data<float>().ToArray(), x.shape, y.data<long>().ToArray());
        }
    }

    /// <summary>True when fewer than k classes score strictly higher than <paramref name="label"/>.</summary>
    private static bool IsInTopK(ReadOnlySpan<float> row, int label, int k)
    {
        float score = row[label];
        int higher = 0;
        for (int c = 0; c < row.Length; c++)
            if (row[c] > score || (row[c] == score && c < label)) higher++;
        return higher < k;
    }

    /// <inheritdoc/>
    public void Dispose() => session.Dispose();
}
