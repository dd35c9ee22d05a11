using EdgeToolkit.Training.Data;
using EdgeToolkit.Training.Models;
using EdgeToolkit.Training.Training;

namespace EdgeToolkit.Compression.Pruning;

/// <summary>
/// One width cut of MobileNet v1: rank channels (<see cref="WidthCutOptions.Importance"/>), keep the
/// best of each layer to reach a channel plan (<see cref="MobileNetWidthPruner"/>), then re-estimate
/// BatchNorm statistics (<see cref="BatchNormRecalibrator"/>), evaluating before and after the
/// recalibration when an evaluation set is given. The unit that one-shot and gradual pruning repeat.
/// </summary>
public static class WidthCut
{
    /// <summary>Cuts <paramref name="source"/> (unchanged) to <paramref name="targetChannels"/>.</summary>
    /// <param name="source">The network to cut.</param>
    /// <param name="spec">Its spec (preprocessing and the base of the result's spec).</param>
    /// <param name="targetChannels">The channel plan to reach (14 widths, none above the source's).</param>
    /// <param name="targetAlpha">Nominal alpha of the result (the uniform alpha when the plan is uniform; null = the plan's nominal width).</param>
    /// <param name="options">Ranking and recalibration settings.</param>
    /// <param name="train">Training images for the recalibration and Taylor scores (null when neither is asked for).</param>
    /// <param name="evaluation">Images to measure the accuracy right after the cut on (null = do not evaluate).</param>
    /// <param name="cancellationToken">Cancels between batches.</param>
    /// <exception cref="ArgumentException">A bad plan or setting; the message names it.</exception>
    public static PrunedNetwork Run(MobileNetV1 source, ModelSpec spec, IReadOnlyList<int> targetChannels, double? targetAlpha,
        WidthCutOptions options, ImageDataset? train, ImageDataset? evaluation, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (train is null && (options.Recalibrate || options.Importance == ChannelImportance.Taylor))
            throw new ArgumentException("BatchNorm recalibration and Taylor importance need training images.", nameof(train));
        var scores = options.Importance == ChannelImportance.Taylor
            ? TaylorImportance.Measure(source, spec, train!, options.TaylorBatches, seed: options.Seed, cancellationToken: cancellationToken)
            : MobileNetWidthPruner.Scores(source, options.Importance);
        var plan = MobileNetWidthPruner.Plan(source, targetChannels, scores, targetAlpha);
        var pruned = MobileNetWidthPruner.Apply(source, plan);
        try
        {
            var prunedSpec = plan.Spec(spec);
            double? afterCut = evaluation is null ? null : Accuracy(pruned, prunedSpec, evaluation, cancellationToken);
            double? recalibrated = null;
            if (options.Recalibrate)
            {
                BatchNormRecalibrator.Recalibrate(pruned, prunedSpec, train!, options.RecalibrationImages, seed: options.Seed, cancellationToken: cancellationToken);
                recalibrated = evaluation is null ? null : Accuracy(pruned, prunedSpec, evaluation, cancellationToken);
            }
            return new PrunedNetwork(pruned, prunedSpec, plan, afterCut, recalibrated);
        }
        catch
        {
            pruned.Dispose();
            throw;
        }
    }

    /// <summary>Top-1 of <paramref name="model"/> on <paramref name="data"/>.</summary>
    public static double Accuracy(MobileNetV1 model, ModelSpec spec, ImageDataset data, CancellationToken cancellationToken = default) =>
        ClassifierEvaluator.Evaluate(model, spec, data, cancellationToken: cancellationToken).Top1;
}
