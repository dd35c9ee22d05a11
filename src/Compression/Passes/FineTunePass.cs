using System.Globalization;
using EdgeToolkit.Compression.Distillation;
using EdgeToolkit.Training.Training;

namespace EdgeToolkit.Compression.Passes;

/// <summary>
/// Fine-tunes a pruned checkpoint (the pass applies only right after <c>prune</c>), distilled from
/// the unpruned network the prune pass started from when the distillation weight is above 0.
/// </summary>
public sealed class FineTunePass : IPass
{
    /// <summary>Name in recipes.</summary>
    public const string PassName = "finetune";

    /// <summary>Creates the pass.</summary>
    public FineTunePass(FineTunePassOptions options) => Options = options ?? throw new ArgumentNullException(nameof(options));

    /// <summary>The options.</summary>
    public FineTunePassOptions Options { get; }

    /// <inheritdoc/>
    public string Name => PassName;

    /// <inheritdoc/>
    public string? CheckInput(ArtefactKind? inputKind) => inputKind == ArtefactKind.Checkpoint ? null : "needs a TorchSharp checkpoint (put it after 'prune')";

    /// <inheritdoc/>
    public ArtefactKind OutputKind(ArtefactKind? inputKind) => ArtefactKind.Checkpoint;

    /// <inheritdoc/>
    public string VariantKey(ModelVariant target) => string.Create(CultureInfo.InvariantCulture, $"{target.Architecture}-a{target.Alpha}");

    /// <inheritdoc/>
    public bool AppliesTo(Artefact? input, ModelVariant target) =>
        input is { Kind: ArtefactKind.Checkpoint } && input.Lineage.Count > 0 && input.Lineage[^1] == PrunePass.PassName;

    /// <inheritdoc/>
    public Artefact Run(Artefact? input, string outputFolder, PassContext context)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(context);
        var o = Options.FineTune with { Seed = context.Seed };
        bool distil = o.DistillationWeight > 0;
        using var student = Checkpoint.Load(input.Folder);
        using var teacher = distil
            ? Checkpoint.Load(input.Parent?.Folder ?? throw new InvalidOperationException($"{input.Folder}: distillation needs the unpruned teacher but the artefact does not name one."))
            : null;
        context.Report(string.Create(CultureInfo.InvariantCulture,
            $"finetune: alpha {input.Alpha}, {o.Epochs} epochs{(distil ? $", distilled from alpha {input.Parent!.Alpha} (w {o.DistillationWeight}, T {o.Temperature})" : "")}"));
        var progress = new SynchronousProgress<TrainingProgress>(p => context.Report(
            string.Create(CultureInfo.InvariantCulture, $"finetune: epoch {p.Epoch}/{p.Epochs} batch {p.Batch}/{p.Batches} loss {p.Loss:F3} {p.ImagesPerSecond:F0} img/s")));
        var result = new DistillationFineTuner(o with { Threads = context.Threads }).FineTune(student.Model, student.Spec, teacher?.Model,
            context.Data.Train, context.Data.Test, outputFolder, progress, context.Cancellation);
        if (result.Interrupted)
            throw new OperationCanceledException("finetune: interrupted; a resumable checkpoint is in " + result.LastCheckpoint);
        string folder = result.LastCheckpoint;
        double accuracy = result.FinalAccuracy;
        context.Report(string.Create(CultureInfo.InvariantCulture, $"finetune: done, test accuracy {accuracy:P2}"));
        return (input with
        {
            Folder = folder,
            CheckpointFolder = folder,
            Parent = input,
        }).After(PassName).WithMeasurements([new(MeasurementNames.TorchAccuracy, accuracy)]);
    }
}
