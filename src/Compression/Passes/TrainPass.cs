using System.Globalization;
using EdgeToolkit.Training.Data;
using EdgeToolkit.Training.Models;
using EdgeToolkit.Training.Training;
using EdgeToolkit.ModelBundle;

namespace EdgeToolkit.Compression.Passes;

/// <summary>
/// Trains a model of the target architecture (MobileNet at alpha 1.0 unless
/// <see cref="TrainPassOptions.AlphaFromMatrix"/>) with the toolkit's <see cref="Trainer"/>; the
/// artefact is the final (<c>last</c>) checkpoint, not the best-on-test one, so test accuracy is not
/// used for selection.
/// </summary>
public sealed class TrainPass : IPass
{
    /// <summary>Name in recipes.</summary>
    public const string PassName = "train";

    /// <summary>Creates the pass.</summary>
    public TrainPass(TrainPassOptions options) => Options = options ?? throw new ArgumentNullException(nameof(options));

    /// <summary>The options.</summary>
    public TrainPassOptions Options { get; }

    /// <inheritdoc/>
    public string Name => PassName;

    /// <inheritdoc/>
    public string? CheckInput(ArtefactKind? inputKind) => inputKind is null ? null : "must be the first pass (it starts from nothing)";

    /// <inheritdoc/>
    public ArtefactKind OutputKind(ArtefactKind? inputKind) => ArtefactKind.Checkpoint;

    /// <inheritdoc/>
    public string VariantKey(ModelVariant target) =>
        string.Create(CultureInfo.InvariantCulture, $"{target.Architecture}-a{TrainedAlpha(target)}");

    /// <inheritdoc/>
    public bool AppliesTo(Artefact? input, ModelVariant target) => true;

    /// <summary>The alpha this pass trains for a matrix cell.</summary>
    public double TrainedAlpha(ModelVariant target) => Options.AlphaFromMatrix ? target.Alpha : 1.0;

    /// <summary>
    /// The spec of a new model trained on <paramref name="train"/>: normalisation measured on it, its labels, and the resize
    /// policy the loader applies at <paramref name="inputSize"/> (which the export writes into the manifest).
    /// </summary>
    public static ModelSpec SpecFor(string architecture, double alpha, ImageDataset train, int inputSize)
    {
        ArgumentNullException.ThrowIfNull(train);
        var (mean, std) = BatchLoader.ComputeStatistics(train);
        return new ModelSpec(architecture, train.ClassNames.Count, train.Channels, inputSize, alpha)
        {
            Mean = mean,
            Std = std,
            Labels = train.ClassNames,
            ResizePolicy = BatchLoader.ResizePolicyFor(train, inputSize),
        };
    }

    /// <summary>
    /// Trains <paramref name="spec"/> with <paramref name="trainer"/> (made by <see cref="TrainPassOptions.ToTrainerOptions"/>, plus what the
    /// caller adds such as resume): the training both <see cref="Run"/> and <c>edgekit train</c> do.
    /// </summary>
    public static TrainingResult Train(ModelSpec spec, TrainerOptions trainer, ImageDataset train, ImageDataset test,
        IProgress<TrainingProgress>? progress, CancellationToken cancellation, Microsoft.Extensions.Logging.ILogger? logger = null) =>
        new Trainer(trainer, logger).Train(spec, train, test, progress, cancellation);

    /// <inheritdoc/>
    public Artefact Run(Artefact? input, string outputFolder, PassContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var train = context.Data.Train;
        var spec = SpecFor(context.Target.Architecture, TrainedAlpha(context.Target), train, Options.InputSize);
        context.Report(Options.TimeBudget is TimeSpan budget
            ? string.Create(CultureInfo.InvariantCulture, $"train: {spec.Architecture} alpha {spec.Alpha} on {train.Count} images, time budget {budget:hh\\:mm\\:ss}")
            : $"train: {spec.Architecture} alpha {spec.Alpha} on {train.Count} images, {Options.Epochs} epochs");
        var progress = new SynchronousProgress<TrainingProgress>(p => context.Report(
            string.Create(CultureInfo.InvariantCulture, $"train: epoch {p.Epoch}/{p.Epochs} batch {p.Batch}/{p.Batches} loss {p.Loss:F3} {p.ImagesPerSecond:F0} img/s eta {p.Eta:mm\\:ss}")));
        var result = Train(spec, Options.ToTrainerOptions(context.Seed, context.Threads, outputFolder), train, context.Data.Test, progress, context.Cancellation);
        if (result.Interrupted)
            throw new OperationCanceledException("train: interrupted; a resumable checkpoint is in " + result.LastCheckpoint);
        double accuracy = result.FinalAccuracy;
        context.Report(string.Create(CultureInfo.InvariantCulture, $"train: done, test accuracy {accuracy:P2}"));
        if (result.Plan?.PlannedSecondsAtStart is double planned)
            context.Report(string.Create(CultureInfo.InvariantCulture,
                $"train: time budget {result.Plan.BudgetSeconds:F0} s: planned {planned:F0} s at the start, took {result.WallSeconds:F0} s ({result.Plan.Shape})"));
        return new Artefact(ArtefactKind.Checkpoint, result.LastCheckpoint, spec.Architecture, spec.Alpha, Precision.Fp32)
        {
            CheckpointFolder = result.LastCheckpoint,
        }.After(PassName).WithMeasurements([new(MeasurementNames.TorchAccuracy, accuracy)]);
    }
}
