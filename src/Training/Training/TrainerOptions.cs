using System.Globalization;

namespace EdgeToolkit.Training.Training;

/// <summary>
/// Settings of one training run. Immutable; <see cref="Validate"/> (called by the
/// <see cref="Trainer"/> constructor) rejects bad values with a message naming the setting.
/// </summary>
public sealed record TrainerOptions
{
    /// <summary>Number of passes over the training set.</summary>
    public int Epochs { get; init; } = 10;

    /// <summary>Images per optimiser step (and per evaluation batch).</summary>
    public int BatchSize { get; init; } = 128;

    /// <summary>Optimisation algorithm.</summary>
    public OptimizerKind Optimizer { get; init; } = OptimizerKind.Sgd;

    /// <summary>Peak learning rate (reached after warm-up).</summary>
    public double LearningRate { get; init; } = 0.1;

    /// <summary>SGD momentum (ignored by Adam/AdamW).</summary>
    public double Momentum { get; init; } = 0.9;

    /// <summary>Use Nesterov momentum (SGD only; needs Momentum &gt; 0).</summary>
    public bool Nesterov { get; init; }

    /// <summary>L2 weight decay (decoupled for AdamW).</summary>
    public double WeightDecay { get; init; } = 5e-4;

    /// <summary>Learning-rate decay after warm-up.</summary>
    public LearningRateScheduleKind Schedule { get; init; } = LearningRateScheduleKind.Cosine;

    /// <summary>Step schedule: epochs between decays.</summary>
    public int StepSize { get; init; } = 30;

    /// <summary>Multi-step schedule: the epochs (0-based, ascending) at whose start the rate is multiplied by <see cref="Gamma"/>.</summary>
    public IReadOnlyList<int> Milestones { get; init; } = [];

    /// <summary>Step and multi-step schedules: factor applied at each decay.</summary>
    public double Gamma { get; init; } = 0.1;

    /// <summary>Epochs of linear warm-up from near zero to <see cref="LearningRate"/>.</summary>
    public int WarmupEpochs { get; init; }

    /// <summary>Label smoothing of the cross-entropy loss, in [0, 1).</summary>
    public double LabelSmoothing { get; init; }

    /// <summary>
    /// Network slimming (Liu et al. 2017): weight of an L1 penalty on every BatchNorm scale added to the objective
    /// (<see cref="BatchNormSparsityObjective"/>), so that the prune pass's <c>plan: slimming</c> can pick widths by one
    /// global |gamma| threshold; 0 = off, typical 1e-5 to 1e-4.
    /// </summary>
    public double BatchNormSparsity { get; init; }

    /// <summary>Seed of weight initialisation, shuffling and augmentation: the same seed gives the same run.</summary>
    public int Seed { get; init; } = 42;

    /// <summary>Intra-op threads for libtorch; 0 keeps libtorch's default (all cores).</summary>
    public int Threads { get; init; }

    /// <summary>Folder receiving <c>last/</c>, <c>best/</c> and <c>train-log.jsonl</c>.</summary>
    public string OutputDir { get; init; } = Path.Combine("runs", "train");

    /// <summary>Continue from <c>OutputDir/last</c> (model, optimiser, schedule, epoch) when it exists.</summary>
    public bool Resume { get; init; }

    /// <summary>
    /// Random erasing (Zhong et al. 2020; torchvision's <c>RandomErasing</c>): the probability that a training image gets a
    /// rectangle of 2-33 % of its area, aspect 0.3-3.3, set to 0 after normalisation (the dataset mean); 0 = off.
    /// </summary>
    public double RandomErasing { get; init; }

    /// <summary>
    /// Decay of an exponential moving average of the weights (e.g. 0.999; 0 = none). The average is evaluated beside the
    /// trained weights after every evaluated epoch (<see cref="EvaluateEvery"/>), and <c>best</c> holds it when it scores better. A resumed run restarts the
    /// average from the restored weights.
    /// </summary>
    public double EmaDecay { get; init; }

    /// <summary>
    /// Epochs between evaluations on the test set: 1 = after every epoch, N = after every Nth, 0 = after the last only;
    /// the last epoch is always evaluated. <c>best</c> is chosen among the evaluated epochs, and an epoch without an
    /// evaluation saves only <c>last</c>. With a <see cref="TimeBudget"/> the time an evaluation would have taken goes
    /// to training steps (the plan counts only the evaluations it makes).
    /// </summary>
    public int EvaluateEvery { get; init; } = 1;

    /// <summary>Zero padding of the random-crop augmentation in pixels; 0 disables it.</summary>
    public int RandomCropPadding { get; init; } = 2;

    /// <summary>Random horizontal flips during training.</summary>
    public bool HorizontalFlip { get; init; } = true;

    /// <summary>
    /// Keep freed native memory in the process heap while training (<see cref="NativeHeapRetention"/>):
    /// avoids a page fault and zero-fill per page of every large activation each step; the peak heap
    /// stays resident until training ends.
    /// </summary>
    public bool RetainNativeHeap { get; init; } = true;

    /// <summary>
    /// Wall-clock budget of <see cref="Trainer.Train(TorchSharp.torch.nn.Module{TorchSharp.torch.Tensor, TorchSharp.torch.Tensor}, Models.ModelSpec, Data.ImageDataset, Data.ImageDataset, IProgress{TrainingProgress}?, CancellationToken)"/>
    /// (training, evaluation and checkpoints); null = none. The trainer measures the first steps, an
    /// evaluation and a checkpoint, then fixes the epochs (at most <see cref="Epochs"/>) and the
    /// learning-rate schedule so the run ends within it with the schedule complete (<see cref="TrainingPlan"/>).
    /// </summary>
    public TimeSpan? TimeBudget { get; init; }

    /// <summary>Stop each epoch after this many batches (0 = the whole set); for quick runs and tests.</summary>
    public int MaxBatchesPerEpoch { get; init; }

    /// <summary>Batches between progress reports (each report reads the running loss from the tensor once).</summary>
    public int ProgressInterval { get; init; } = 10;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public TrainerOptions Validate()
    {
        Require(Epochs >= 1, nameof(Epochs), "at least 1", Epochs);
        Require(BatchSize >= 1, nameof(BatchSize), "at least 1", BatchSize);
        Require(Enum.IsDefined(Optimizer), nameof(Optimizer), "sgd, adam or adamw", Optimizer);
        Require(double.IsFinite(LearningRate) && LearningRate > 0, nameof(LearningRate), "a positive number", LearningRate);
        Require(double.IsFinite(Momentum) && Momentum >= 0 && Momentum < 1, nameof(Momentum), "in [0, 1)", Momentum);
        Require(!Nesterov || Optimizer == OptimizerKind.Sgd, nameof(Nesterov), "used only with the sgd optimizer", Optimizer);
        Require(!Nesterov || Momentum > 0, nameof(Nesterov), "used with Momentum > 0", Momentum);
        Require(double.IsFinite(WeightDecay) && WeightDecay >= 0, nameof(WeightDecay), "0 or more", WeightDecay);
        Require(Enum.IsDefined(Schedule), nameof(Schedule), "cosine, step, multi-step or one-cycle", Schedule);
        Require(Milestones is not null && Milestones.All(m => m >= 1) && Milestones.Zip(Milestones.Skip(1)).All(p => p.First < p.Second),
            nameof(Milestones), "ascending epochs of at least 1", Milestones is null ? null : string.Join(", ", Milestones));
        Require(Schedule != LearningRateScheduleKind.MultiStep || Milestones!.Count > 0, nameof(Milestones), "given for the multi-step schedule", "empty");
        Require(StepSize >= 1, nameof(StepSize), "at least 1", StepSize);
        Require(double.IsFinite(Gamma) && Gamma > 0 && Gamma <= 1, nameof(Gamma), "in (0, 1]", Gamma);
        Require(WarmupEpochs >= 0 && WarmupEpochs < Epochs, nameof(WarmupEpochs), $"in [0, Epochs={Epochs})", WarmupEpochs);
        Require(double.IsFinite(LabelSmoothing) && LabelSmoothing >= 0 && LabelSmoothing < 1, nameof(LabelSmoothing), "in [0, 1)", LabelSmoothing);
        Require(double.IsFinite(BatchNormSparsity) && BatchNormSparsity >= 0, nameof(BatchNormSparsity), "0 (off) or more", BatchNormSparsity);
        Require(Threads >= 0, nameof(Threads), "0 (libtorch default) or more", Threads);
        Require(!string.IsNullOrWhiteSpace(OutputDir), nameof(OutputDir), "a folder path", OutputDir);
        Require(EvaluateEvery >= 0, nameof(EvaluateEvery), "0 (the last epoch only) or more", EvaluateEvery);
        Require(RandomCropPadding >= 0, nameof(RandomCropPadding), "0 or more", RandomCropPadding);
        Require(double.IsFinite(EmaDecay) && EmaDecay >= 0 && EmaDecay < 1, nameof(EmaDecay), "in [0, 1)", EmaDecay);
        Require(double.IsFinite(RandomErasing) && RandomErasing >= 0 && RandomErasing <= 1, nameof(RandomErasing), "in [0, 1]", RandomErasing);
        Require(TimeBudget is null || TimeBudget > TimeSpan.Zero, nameof(TimeBudget), "a positive duration", TimeBudget);
        Require(MaxBatchesPerEpoch >= 0, nameof(MaxBatchesPerEpoch), "0 (all) or more", MaxBatchesPerEpoch);
        Require(ProgressInterval >= 1, nameof(ProgressInterval), "at least 1", ProgressInterval);
        return this;
    }

    private static void Require(bool ok, string setting, string expected, object? actual)
    {
        if (!ok)
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture, $"TrainerOptions.{setting} must be {expected} but was '{actual}'."), setting);
    }
}
