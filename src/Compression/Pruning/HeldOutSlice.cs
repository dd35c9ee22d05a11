using EdgeToolkit.Compression.Distillation;
using EdgeToolkit.Training.Data;
using EdgeToolkit.Training.Models;

namespace EdgeToolkit.Compression.Pruning;

/// <summary>
/// How a cut of a trained MobileNet v1 scores before fine-tuning: a seeded held-out slice of the training set (the test
/// set stays unseen), the rest of it that re-estimates BatchNorm (and, with a <see cref="SensitivityAdaptation"/>, fine-tunes
/// each cut for a few distilled batches), and the source's channel scores, measured once. The one measurement behind the
/// per-layer <see cref="SensitivityAnalysis"/> and the whole-plan <see cref="UniformCheck"/>.
/// </summary>
public sealed class HeldOutSlice
{
    private readonly MobileNetV1 source;
    private readonly ModelSpec spec;
    private readonly IReadOnlyList<double[]> scores;
    private readonly SensitivityAdaptation? adaptation;

    private HeldOutSlice(MobileNetV1 source, ModelSpec spec, ImageDataset heldOut, ImageDataset rest, WidthCutOptions cut,
        IReadOnlyList<double[]> scores, SensitivityAdaptation? adaptation)
    {
        this.source = source;
        this.spec = spec;
        HeldOut = heldOut;
        Rest = rest;
        Cut = cut;
        this.scores = scores;
        this.adaptation = adaptation;
    }

    /// <summary>Channels per layer of the network the slice measures cuts of.</summary>
    public IReadOnlyList<int> SourcePlan => source.ChannelPlan;

    /// <summary>The images every cut is measured on.</summary>
    public ImageDataset HeldOut { get; }

    /// <summary>The training images without the held-out slice: BatchNorm statistics, Taylor scores and adaptation come from them.</summary>
    public ImageDataset Rest { get; }

    /// <summary>Ranking, recalibration images and seed of every cut (always recalibrated).</summary>
    public WidthCutOptions Cut { get; }

    /// <summary>Distilled batches each cut is fine-tuned for before it is measured (0 = BatchNorm recalibration only).</summary>
    public int AdaptationBatches => adaptation?.Batches ?? 0;

    /// <summary>Splits <paramref name="train"/> (seeded by <paramref name="options"/>) and scores the source's channels.</summary>
    /// <param name="source">The trained network (unchanged; it must outlive the slice).</param>
    /// <param name="spec">Its spec.</param>
    /// <param name="train">Training images: a seeded held-out slice is measured on, the rest recalibrates.</param>
    /// <param name="options">Ranking, recalibration images and seed of every cut.</param>
    /// <param name="heldOutImages">Size of the held-out slice.</param>
    /// <param name="adaptation">A short distilled fine-tune after every cut, before it is measured (null = recalibration only).</param>
    /// <param name="cancellationToken">Cancels between batches.</param>
    /// <exception cref="ArgumentException">Too few images for the slice; the message names the setting.</exception>
    public static HeldOutSlice Create(MobileNetV1 source, ModelSpec spec, ImageDataset train, WidthCutOptions options, int heldOutImages,
        SensitivityAdaptation? adaptation = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(options);
        if (heldOutImages < 1 || heldOutImages >= train.Count)
            throw new ArgumentException($"sensitivityImages must be in [1, {train.Count - 1}] (the training set has {train.Count}) but was {heldOutImages}.", nameof(heldOutImages));
        adaptation?.Validate();
        var order = Enumerable.Range(0, train.Count).ToArray();
        new Random(options.Seed).Shuffle(order);
        var heldOut = train.Subset(order.Take(heldOutImages).Order().ToArray(), $"{train.Source} (held-out slice of {heldOutImages})");
        var rest = train.Subset(order.Skip(heldOutImages).Order().ToArray(), $"{train.Source} (without the held-out slice)");
        var cut = options with { Recalibrate = true };
        var scores = cut.Importance == ChannelImportance.Taylor
            ? TaylorImportance.Measure(source, spec, rest, cut.TaylorBatches, seed: cut.Seed, cancellationToken: cancellationToken)
            : MobileNetWidthPruner.Scores(source, cut.Importance);
        return new HeldOutSlice(source, spec, heldOut, rest, cut, scores, adaptation);
    }

    /// <summary>Top-1 of the uncut source on the slice.</summary>
    public double SourceAccuracy(CancellationToken cancellationToken = default) => WidthCut.Accuracy(source, spec, HeldOut, cancellationToken);

    /// <summary>
    /// Top-1 on the slice of the source cut to <paramref name="plan"/> (its best channels by the scores), BatchNorm
    /// re-estimated on <see cref="Rest"/> and, with an adaptation, fine-tuned on it distilled from the source.
    /// </summary>
    /// <param name="plan">Channels per layer, none above the source's.</param>
    /// <param name="cancellationToken">Cancels between batches.</param>
    public double Accuracy(IReadOnlyList<int> plan, CancellationToken cancellationToken = default)
    {
        var kept = MobileNetWidthPruner.Plan(source, plan, scores);
        var prunedSpec = kept.Spec(spec);
        using var pruned = MobileNetWidthPruner.Apply(source, kept);
        BatchNormRecalibrator.Recalibrate(pruned, prunedSpec, Rest, Cut.RecalibrationImages, seed: Cut.Seed, cancellationToken: cancellationToken);
        if (adaptation is null) return WidthCut.Accuracy(pruned, prunedSpec, HeldOut, cancellationToken);
        // The fine-tuner writes checkpoints: into a folder of our own inside the one given, removed afterwards (never a
        // folder we did not create), so the next cut starts afresh (no resume from this one).
        string scratch = Path.Combine(adaptation.Folder, $".sensitivity-{Guid.NewGuid():N}");
        Directory.CreateDirectory(scratch);
        try
        {
            var options = adaptation.FineTune(Cut.Seed);
            var result = new DistillationFineTuner(options).FineTune(pruned, prunedSpec, options.DistillationWeight > 0 ? source : null,
                Rest, HeldOut, Path.Combine(scratch, "cut"), null, cancellationToken);
            if (result.Interrupted) throw new OperationCanceledException("sensitivity: interrupted while fine-tuning a cut");
            return result.FinalAccuracy;
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }
    }
}
