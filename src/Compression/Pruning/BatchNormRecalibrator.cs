using EdgeToolkit.Training.Data;
using EdgeToolkit.Training.Models;
using EdgeToolkit.Training.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace EdgeToolkit.Compression.Pruning;

/// <summary>
/// Re-estimates the BatchNorm running statistics of a network after a structural change (a width
/// cut): every BatchNorm's running mean and variance are reset and then set to the cumulative
/// average over a few hundred training images run forward in train mode, under no_grad. Nothing
/// else changes: no weight, no BatchNorm scale or shift. After pruning, the statistics measured on
/// the unpruned network no longer describe the pruned one's activations (the sum in each surviving
/// pointwise convolution lost its removed inputs), which is what drops a cut net to chance.
/// </summary>
public static class BatchNormRecalibrator
{
    /// <summary>Default number of training images (the probe used 1,024; a few hundred suffice).</summary>
    public const int DefaultImages = 512;

    /// <summary>
    /// Recalibrates <paramref name="model"/> in place on the first <paramref name="images"/> images of
    /// an evenly spread, seeded sample of <paramref name="train"/>, preprocessed as <paramref name="spec"/>
    /// says (no augmentation). The model is left in eval mode.
    /// </summary>
    /// <returns>The number of BatchNorm layers recalibrated.</returns>
    /// <exception cref="ArgumentException"><paramref name="images"/> below 2.</exception>
    public static int Recalibrate(Module<Tensor, Tensor> model, ModelSpec spec, ImageDataset train, int images = DefaultImages,
        int batchSize = 128, int seed = 42, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(train);
        if (images < 2)
            throw new ArgumentException($"recalibrationImages must be at least 2 (BatchNorm needs a batch) but was {images}.", nameof(images));
        var norms = model.modules().OfType<BatchNorm>().ToList();
        if (norms.Count == 0) return 0;

        var sample = Sample(train, Math.Min(images, train.Count), seed);
        var saved = norms.Select(n => n.momentum).ToList();
        using var loader = new BatchLoader(sample, ClassifierEvaluator.LoaderOptions(spec, batchSize) with
        {
            DropLast = sample.Count % batchSize == 1 && sample.Count > 1,
        });
        try
        {
            foreach (var norm in norms)
            {
                norm.reset_running_stats();
                norm.momentum = null; // cumulative moving average: every batch weighs the same
            }
            model.train();
            using var noGrad = torch.no_grad();
            foreach (var (x, y) in loader.Batches(0))
            {
                using var images1 = x;
                using var labels = y;
                cancellationToken.ThrowIfCancellationRequested();
                using var scope = torch.NewDisposeScope();
                model.call(images1);
            }
        }
        finally
        {
            for (int i = 0; i < norms.Count; i++) norms[i].momentum = saved[i];
            model.eval();
        }
        return norms.Count;
    }

    /// <summary>An evenly spread, seeded sample of <paramref name="count"/> images (every class represented in proportion).</summary>
    internal static ImageDataset Sample(ImageDataset data, int count, int seed)
    {
        if (count >= data.Count) return data;
        var order = Enumerable.Range(0, data.Count).ToArray();
        new Random(seed).Shuffle(order);
        return data.Subset(order.Take(count).Order().ToArray(), $"{data.Source} (recalibration sample of {count})");
    }
}
