using EdgeToolkit.Training.Data;
using EdgeToolkit.Training.Models;
using EdgeToolkit.Training.Native;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace EdgeToolkit.Training.Training;

/// <summary>Evaluates a TorchSharp classifier on a dataset: batched, under no_grad, in eval mode.</summary>
public static class ClassifierEvaluator
{
    /// <summary>
    /// Top-1, top-5 (when there are more than 5 classes) and the confusion matrix of
    /// <paramref name="model"/> on <paramref name="data"/>, preprocessed as <paramref name="spec"/> says
    /// (input size, channels, mean/std). The model's training mode is restored afterwards.
    /// </summary>
    /// <exception cref="ArgumentException">The dataset's classes do not fit the model.</exception>
    public static EvaluationResult Evaluate(Module<Tensor, Tensor> model, ModelSpec spec, ImageDataset data, int batchSize = 256, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(data);
        if (data.ClassNames.Count > spec.NumClasses)
            throw new ArgumentException(
                $"{data.Source}: dataset has {data.ClassNames.Count} classes but the model predicts {spec.NumClasses}.", nameof(data));
        using var loader = new BatchLoader(data, LoaderOptions(spec, batchSize));
        return Evaluate(model, loader, spec.NumClasses, spec.Labels.Count == spec.NumClasses ? spec.Labels : data.ClassNames, cancellationToken);
    }

    /// <summary>Loader options that preprocess images for <paramref name="spec"/> without augmentation.</summary>
    public static BatchLoaderOptions LoaderOptions(ModelSpec spec, int batchSize) => new()
    {
        BatchSize = batchSize,
        Mean = spec.Mean.ToArray(),
        Std = spec.Std.ToArray(),
        TargetSize = spec.InputSize,
        TargetChannels = spec.InputChannels,
    };

    internal static EvaluationResult Evaluate(Module<Tensor, Tensor> model, BatchLoader loader, int numClasses, IReadOnlyList<string> labels, CancellationToken cancellationToken)
    {
        bool wasTraining = model.training;
        model.eval();
        try
        {
            using var noGrad = torch.no_grad();
            bool withTop5 = numClasses > 5;
            using var confusion = torch.zeros(numClasses * numClasses, dtype: ScalarType.Int64);
            using var top5 = torch.zeros(1, dtype: ScalarType.Int64);
            int images = 0;
            foreach (var (x, y) in loader.Batches(0))
            {
                using var scope = torch.NewDisposeScope();
                using var images1 = x;
                using var labels1 = y;
                cancellationToken.ThrowIfCancellationRequested();
                var logits = model.call(images1);
                var predicted = logits.argmax(1);
                HeldScalars.AddInPlace(confusion, torch.bincount(HeldScalars.Add(HeldScalars.Multiply(labels1, (long)numClasses), predicted), minlength: numClasses * numClasses));
                if (withTop5)
                {
                    var (_, indices) = logits.topk(5, dim: 1);
                    HeldScalars.AddInPlace(top5, indices.eq(labels1.unsqueeze(1)).any(1).sum());
                }
                images += (int)labels1.shape[0];
            }
            var counts = confusion.data<long>().ToArray();
            var matrix = new long[numClasses][];
            long correct = 0;
            for (int a = 0; a < numClasses; a++)
            {
                matrix[a] = counts.AsSpan(a * numClasses, numClasses).ToArray();
                correct += matrix[a][a];
            }
            double top1 = images == 0 ? 0 : (double)correct / images;
            double? top5Accuracy = withTop5 && images > 0 ? (double)top5.item<long>() / images : null;
            return new EvaluationResult(images, top1, top5Accuracy, matrix, labels);
        }
        finally
        {
            model.train(wasTraining);
        }
    }
}
