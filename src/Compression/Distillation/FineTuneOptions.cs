using System.Globalization;
using EdgeToolkit.Training.Training;

namespace EdgeToolkit.Compression.Distillation;

/// <summary>
/// Settings of <see cref="DistillationFineTuner"/>: a short Nesterov-SGD run with a cosine schedule,
/// optionally distilled; <see cref="ToTrainerOptions"/> turns them into the <see cref="Trainer"/>'s.
/// </summary>
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

    /// <summary>Continue from <c>last/</c> in the output folder (model, optimiser, schedule, epoch) when it exists.</summary>
    public bool Resume { get; init; }

    /// <summary>Keep freed native memory in the process heap while training (<see cref="TrainerOptions.RetainNativeHeap"/>).</summary>
    public bool RetainNativeHeap { get; init; } = true;

    /// <summary>Intra-op threads for libtorch; 0 keeps libtorch's default (all cores).</summary>
    public int Threads { get; init; }

    /// <summary>The trainer settings of this fine-tuning run, writing into <paramref name="outputDir"/>.</summary>
    public TrainerOptions ToTrainerOptions(string outputDir) => new()
    {
        Epochs = Epochs,
        BatchSize = BatchSize,
        Optimizer = OptimizerKind.Sgd,
        LearningRate = LearningRate,
        Momentum = Momentum,
        Nesterov = Momentum > 0,
        WeightDecay = WeightDecay,
        Schedule = LearningRateScheduleKind.Cosine,
        WarmupEpochs = 0,
        Seed = Seed,
        Threads = Threads,
        OutputDir = outputDir,
        Resume = Resume,
        RandomCropPadding = RandomCropPadding,
        HorizontalFlip = HorizontalFlip,
        RetainNativeHeap = RetainNativeHeap,
        MaxBatchesPerEpoch = MaxBatchesPerEpoch,
    };

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
        Require(Threads >= 0, nameof(Threads), "0 (libtorch default) or more", Threads);
        return this;
    }

    private static void Require(bool ok, string setting, string expected, object actual)
    {
        if (!ok)
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"FineTuneOptions.{setting} must be {expected} but was '{actual}'."), setting);
    }
}
