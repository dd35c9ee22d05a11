using EdgeToolkit.Training.Data;
using EdgeToolkit.Training.Models;
using EdgeToolkit.Training.Native;
using EdgeToolkit.Training.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace EdgeToolkit.Compression.Pruning;

/// <summary>
/// First-order Taylor importance of MobileNet v1's output channels (Molchanov et al., CVPR 2017 and
/// 2019): for the BatchNorm after the stem and after each pointwise convolution, the score of channel
/// <c>c</c> is <c>sum over batches |sum over (n, h, w) of y[n,c,h,w] * dL/dy[n,c,h,w]|</c>, where
/// <c>y = gamma * x_hat + beta</c> is the BatchNorm's output. It is computed from the BatchNorm's
/// parameter gradients, <c>gamma * dL/dgamma + beta * dL/dbeta</c>, which is exactly that sum, so no
/// hooks are needed. The first-order estimate of the loss change when channel <c>c</c> is removed.
/// </summary>
public static class TaylorImportance
{
    /// <summary>Default number of batches the scores are summed over.</summary>
    public const int DefaultBatches = 8;

    /// <summary>
    /// Measures the scores on <paramref name="batches"/> batches of a seeded sample of <paramref name="train"/>
    /// (cross-entropy loss, eval-mode BatchNorm, no weight update; gradients are cleared afterwards).
    /// </summary>
    /// <returns>One array per layer (stem, then the 13 layers), one score per output channel.</returns>
    /// <exception cref="ArgumentException">batches or batchSize below 1.</exception>
    public static IReadOnlyList<double[]> Measure(MobileNetV1 model, ModelSpec spec, ImageDataset train, int batches = DefaultBatches,
        int batchSize = 64, int seed = 42, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(train);
        if (batches < 1) throw new ArgumentException($"taylorBatches must be at least 1 but was {batches}.", nameof(batches));
        if (batchSize < 1) throw new ArgumentException($"batchSize must be at least 1 but was {batchSize}.", nameof(batchSize));
        int layers = model.ChannelPlan.Count;
        var parameters = model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        var scores = new double[layers][];
        for (int layer = 0; layer < layers; layer++) scores[layer] = new double[model.ChannelPlan[layer]];

        var sample = BatchNormRecalibrator.Sample(train, Math.Min(train.Count, batches * batchSize), seed);
        using var loader = new BatchLoader(sample, ClassifierEvaluator.LoaderOptions(spec, batchSize));
        bool wasTraining = model.training;
        model.eval();
        try
        {
            int done = 0;
            foreach (var (x, y) in loader.Batches(0))
            {
                using var images = x;
                using var labels = y;
                if (done >= batches) continue;
                cancellationToken.ThrowIfCancellationRequested();
                using var scope = torch.NewDisposeScope();
                model.zero_grad();
                using (var loss = nn.functional.cross_entropy(model.call(images), labels, reduction: nn.Reduction.Sum))
                    loss.backward();
                for (int layer = 0; layer < layers; layer++)
                {
                    string key = MobileNetWidthPruner.OutputNormKey(layer);
                    var gamma = parameters[key + ".weight"];
                    var beta = parameters[key + ".bias"];
                    var contribution = HeldScalars.Add(gamma * gamma.grad!, beta * beta.grad!).abs().to(ScalarType.Float64).cpu().data<double>().ToArray();
                    for (int c = 0; c < contribution.Length; c++) scores[layer][c] += contribution[c];
                }
                done++;
            }
        }
        finally
        {
            model.zero_grad();
            model.train(wasTraining);
        }
        return scores;
    }
}
