using EdgeToolkit.Training.Data;
using EdgeToolkit.Training.Models;
using EdgeToolkit.Training.Training;
using Microsoft.Extensions.Logging;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace EdgeToolkit.Compression.Distillation;

/// <summary>
/// Fine-tunes a (pruned) network with the toolkit's <see cref="Trainer"/>, distilled from a teacher
/// (<see cref="DistillationObjective"/>) when <see cref="FineTuneOptions.DistillationWeight"/> is
/// above 0, else with plain cross-entropy. The trainer's loop gives fine-tuning the same data
/// pipeline, evaluation, atomic <c>last</c>/<c>best</c> checkpoints, resume, Ctrl+C and native-heap
/// option as training.
/// </summary>
public sealed class DistillationFineTuner
{
    private readonly ILogger? _logger;

    /// <summary>Creates a fine-tuner; validates <paramref name="options"/>.</summary>
    public DistillationFineTuner(FineTuneOptions options, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options.Validate();
        _logger = logger;
    }

    /// <summary>The options in force.</summary>
    public FineTuneOptions Options { get; }

    /// <summary>
    /// Trains <paramref name="student"/> in place, writing <c>last/</c> (the fine-tuned, resumable
    /// checkpoint), <c>best/</c> and <c>train-log.jsonl</c> into <paramref name="outputDir"/>. The
    /// teacher (may be null when <see cref="FineTuneOptions.DistillationWeight"/> is 0) is only run
    /// forward in eval mode. Cancellation saves a resumable <c>last</c> and returns with
    /// <see cref="TrainingResult.Interrupted"/> set; <see cref="FineTuneOptions.Resume"/> continues it.
    /// </summary>
    /// <exception cref="ArgumentException">Distillation is asked for without a teacher, or the data does not fit the spec.</exception>
    /// <exception cref="InvalidDataException">The checkpoint to resume from is corrupt or belongs to another model or objective.</exception>
    public TrainingResult FineTune(Module<Tensor, Tensor> student, ModelSpec spec, Module<Tensor, Tensor>? teacher,
        ImageDataset train, ImageDataset test, string outputDir,
        IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(student);
        ArgumentException.ThrowIfNullOrWhiteSpace(outputDir);
        var o = Options;
        ITrainingObjective objective;
        if (o.DistillationWeight > 0)
            objective = new DistillationObjective(
                teacher ?? throw new ArgumentException($"FineTuneOptions.DistillationWeight is {o.DistillationWeight} but no teacher was given.", nameof(teacher)),
                o.DistillationWeight, o.Temperature);
        else
            objective = new CrossEntropyObjective();
        return new Trainer(o.ToTrainerOptions(outputDir), objective, _logger).Train(student, spec, train, test, progress, cancellationToken);
    }
}
