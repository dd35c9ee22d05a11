using EdgeToolkit.Compression.Distillation;

namespace EdgeToolkit.Compression.Pruning;

/// <summary>
/// NetAdapt's short-term fine-tune inside the sensitivity analysis (Yang et al. 2018): after each cut and its BatchNorm
/// recalibration, <see cref="Batches"/> batches of fine-tuning distilled from the unpruned network, then the measurement.
/// Recalibration alone measures what a cut costs a network that has not adapted to it; the plan is then fine-tuned, so
/// the layers worth keeping wide are the ones that stay hurt after a little training, not the ones hurt right after the cut.
/// Every cut gets the same batches in the same order (one seed), so the layers are compared on equal terms.
/// </summary>
/// <param name="Batches">Fine-tuning batches after every cut (at least 1).</param>
/// <param name="Folder">Folder the fine-tuner writes its scratch checkpoints to; created and removed by the analysis.</param>
public sealed record SensitivityAdaptation(int Batches, string Folder)
{
    /// <summary>Peak learning rate (cosine to 0 over the batches), the gradual schedule's between-step default.</summary>
    public double LearningRate { get; init; } = 0.01;

    /// <summary>Distillation weight of the short fine-tune (the fine-tune pass's default).</summary>
    public double DistillationWeight { get; init; } = new FineTuneOptions().DistillationWeight;

    /// <summary>libtorch intra-op threads (0 = libtorch's default).</summary>
    public int Threads { get; init; }

    /// <summary>The fine-tuner's settings for the cut of one layer (one seed for all: the same batches in the same order).</summary>
    /// <param name="seed">The analysis's seed.</param>
    public FineTuneOptions FineTune(int seed) => new FineTuneOptions
    {
        Epochs = 1,
        MaxBatchesPerEpoch = Batches,
        LearningRate = LearningRate,
        DistillationWeight = DistillationWeight,
        Seed = seed,
        Threads = Threads,
    }.Validate();

    /// <summary>Throws <see cref="ArgumentException"/> naming the setting when <see cref="Batches"/> or <see cref="Folder"/> is unusable.</summary>
    public SensitivityAdaptation Validate()
    {
        if (Batches < 1) throw new ArgumentException($"sensitivityBatches must be at least 1 to fine-tune after each cut (0 turns it off) but was {Batches}.", nameof(Batches));
        ArgumentException.ThrowIfNullOrWhiteSpace(Folder);
        return this;
    }
}
