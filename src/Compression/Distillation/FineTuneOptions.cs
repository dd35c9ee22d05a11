using System.Globalization;

namespace EdgeToolkit.Compression.Distillation;

/// <summary>Settings of <see cref="DistillationFineTuner"/>: a short SGD run with a cosine schedule, optionally distilled.</summary>
public sealed record FineTuneOptions
{
    /// <summary>Passes over the training set.</summary>
    public int Epochs { get; init; } = 2;

    /// <summary>Images per step.</summary>
    public int BatchSize { get; init; } = 128;

    /// <summary>Peak learning rate (cosine decay to zero, no warm-up).</summary>
    public double LearningRate { get; init; } = 0.02;

    /// <summary>SGD momentum (Nesterov).</summary>
    public double Momentum { get; init; } = 0.9;

    /// <summary>L2 weight decay.</summary>
    public double WeightDecay { get; init; } = 5e-4;

    /// <summary>Weight w of the distillation term in [0, 1]; 0 = plain cross-entropy (no teacher needed).</summary>
    public double DistillationWeight { get; init; } = 0.5;

    /// <summary>Distillation temperature T.</summary>
    public double Temperature { get; init; } = 4;

    /// <summary>Seed of shuffling and augmentation.</summary>
    public int Seed { get; init; } = 42;

    /// <summary>Zero padding of the random-crop augmentation; 0 disables it.</summary>
    public int RandomCropPadding { get; init; } = 2;

    /// <summary>Random horizontal flips.</summary>
    public bool HorizontalFlip { get; init; } = true;

    /// <summary>Stop each epoch after this many batches (0 = the whole set); for quick runs and tests.</summary>
    public int MaxBatchesPerEpoch { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public FineTuneOptions Validate()
    {
        Require(Epochs >= 1, nameof(Epochs), "at least 1", Epochs);
        Require(BatchSize >= 2, nameof(BatchSize), "at least 2", BatchSize);
        Require(double.IsFinite(LearningRate) && LearningRate > 0, nameof(LearningRate), "a positive number", LearningRate);
        Require(Momentum >= 0 && Momentum < 1, nameof(Momentum), "in [0, 1)", Momentum);
        Require(WeightDecay >= 0 && double.IsFinite(WeightDecay), nameof(WeightDecay), "0 or more", WeightDecay);
        Require(DistillationWeight >= 0 && DistillationWeight <= 1, nameof(DistillationWeight), "in [0, 1]", DistillationWeight);
        Require(double.IsFinite(Temperature) && Temperature > 0, nameof(Temperature), "a positive number", Temperature);
        Require(RandomCropPadding >= 0, nameof(RandomCropPadding), "0 or more", RandomCropPadding);
        Require(MaxBatchesPerEpoch >= 0, nameof(MaxBatchesPerEpoch), "0 (all) or more", MaxBatchesPerEpoch);
        return this;
    }

    private static void Require(bool ok, string setting, string expected, object actual)
    {
        if (!ok)
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"FineTuneOptions.{setting} must be {expected} but was '{actual}'."), setting);
    }
}
