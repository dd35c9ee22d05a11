using EdgeToolkit.Compression.Passes.Options;
using EdgeToolkit.Training.Training;

namespace EdgeToolkit.Compression.Passes;

/// <summary>
/// Options of <see cref="TrainPass"/>, declared once (<see cref="Declared"/>) for recipes and <c>edgekit train</c>; the
/// verb adds only what a recipe takes from elsewhere (architecture and alpha from the matrix, seed and threads from the
/// recipe, the output folder from the run).
/// </summary>
public sealed record TrainPassOptions
{
    /// <summary>Upper bound of the epochs a budgeted run may plan when no <c>epochs</c> is given.</summary>
    public const int BudgetMaxEpochs = 1000;

    /// <summary>Declaration of <see cref="Epochs"/>.</summary>
    public static IntPassOption EpochsOption { get; } = new("epochs", 8, 1, 10_000,
        $"Epochs (with a time budget: the most it may plan, default {BudgetMaxEpochs})");

    /// <summary>Declaration of <see cref="TimeBudget"/>.</summary>
    public static DurationPassOption TimeBudgetOption { get; } = new("timeBudget",
        "Wall-clock budget: measure the first steps, then fix epochs and the schedule to end within it");

    /// <summary>Declaration of <see cref="BatchSize"/>.</summary>
    public static IntPassOption BatchSizeOption { get; } = new("batchSize", 128, 2, 65_536, "Images per optimiser step");

    /// <summary>Declaration of <see cref="LearningRate"/>: recipe <c>learningRate</c>, CLI <c>--learning-rate</c> (or <c>--lr</c>).</summary>
    public static DoublePassOption LearningRateOption { get; } = new("learningRate", 0.1, 1e-8, 10, "Peak learning rate") { CliAliases = ["--lr"] };

    /// <summary>Declaration of <see cref="Optimizer"/>.</summary>
    public static EnumPassOption<OptimizerKind> OptimizerOption { get; } = new("optimizer", OptimizerKind.Sgd, "Optimiser");

    /// <summary>Declaration of <see cref="Momentum"/>.</summary>
    public static DoublePassOption MomentumOption { get; } = new("momentum", 0.9, 0, 0.999, "SGD momentum");

    /// <summary>Declaration of <see cref="Nesterov"/>.</summary>
    public static BoolPassOption NesterovOption { get; } = new("nesterov", false, "Nesterov momentum (sgd)");

    /// <summary>Declaration of <see cref="WeightDecay"/>.</summary>
    public static DoublePassOption WeightDecayOption { get; } = new("weightDecay", 5e-4, 0, 1, "Weight decay");

    /// <summary>Declaration of <see cref="Schedule"/>.</summary>
    public static EnumPassOption<LearningRateScheduleKind> ScheduleOption { get; } = new("schedule", LearningRateScheduleKind.Cosine,
        "Learning-rate decay after warm-up (step: every step-size epochs; multi-step: at the milestones)");

    /// <summary>Declaration of <see cref="Milestones"/>.</summary>
    public static IntListPassOption MilestonesOption { get; } = new("milestones", 0, 100_000,
        "Epochs at which the multi-step schedule multiplies the rate by gamma (e.g. 82,123)");

    /// <summary>Declaration of <see cref="StepSize"/>.</summary>
    public static IntPassOption StepSizeOption { get; } = new("stepSize", 30, 1, 100_000, "Epochs between decays (step schedule)");

    /// <summary>Declaration of <see cref="Gamma"/>.</summary>
    public static DoublePassOption GammaOption { get; } = new("gamma", 0.1, 1e-6, 1, "Decay factor (step and multi-step schedules)");

    /// <summary>Declaration of <see cref="LabelSmoothing"/>.</summary>
    public static DoublePassOption LabelSmoothingOption { get; } = new("labelSmoothing", 0, 0, 0.99, "Label smoothing of the cross-entropy");

    /// <summary>Declaration of <see cref="RandomCropPadding"/>: recipe <c>randomCropPadding</c>, CLI <c>--random-crop-padding</c> (or <c>--crop-padding</c>).</summary>
    public static IntPassOption RandomCropPaddingOption { get; } = new("randomCropPadding", 2, 0, 8,
        "Zero padding of the random crop in pixels (the CIFAR papers use 4; 0 = off)") { CliAliases = ["--crop-padding"] };

    /// <summary>Declaration of <see cref="HorizontalFlip"/>.</summary>
    public static BoolPassOption HorizontalFlipOption { get; } = new("horizontalFlip", true, "Random horizontal flips");

    /// <summary>Declaration of <see cref="InputSize"/>.</summary>
    public static IntPassOption InputSizeOption { get; } = new("inputSize", 32, 8, 1024, "Square model input in pixels (28x28 data is padded to 32)");

    /// <summary>Declaration of <see cref="WarmupEpochs"/>: recipe <c>warmupEpochs</c>, CLI <c>--warmup-epochs</c> (or <c>--warmup</c>); at most epochs - 1.</summary>
    public static IntPassOption WarmupEpochsOption { get; } = new("warmupEpochs", 1, 0, 10_000,
        "Epochs of linear learning-rate warm-up (at most epochs - 1)") { CliAliases = ["--warmup"] };

    /// <summary>Declaration of <see cref="BatchNormSparsity"/>: recipe <c>bnSparsity</c>, CLI <c>edgekit train --bn-sparsity</c>.</summary>
    public static DoublePassOption BatchNormSparsitySetting { get; } = new("bnSparsity", 0, 0, 1,
        "Network slimming: L1 penalty weight on every BatchNorm scale (then prune --plan slimming); 0 = off, typical 1e-5 to 1e-4");

    /// <summary>Declaration of <see cref="RandomErasing"/>: recipe <c>randomErasing</c>, CLI <c>edgekit train --random-erasing</c>.</summary>
    public static DoublePassOption RandomErasingSetting { get; } = new("randomErasing", 0, 0, 1,
        "Random erasing: probability per training image of a rectangle (2-33 % of the area) set to the mean; 0 = off, typical 0.25-0.5");

    /// <summary>Declaration of <see cref="EmaDecay"/>: recipe <c>emaDecay</c>, CLI <c>edgekit train --ema-decay</c>.</summary>
    public static DoublePassOption EmaDecaySetting { get; } = new("emaDecay", 0, 0, 0.99999,
        "Moving average of the weights with this decay (e.g. 0.999), evaluated beside the trained weights and kept as best when it scores better; 0 = off");

    /// <summary>Declaration of <see cref="EvaluateEvery"/>: recipe <c>evaluateEvery</c>, CLI <c>edgekit train --evaluate-every</c>.</summary>
    public static IntPassOption EvaluateEveryOption { get; } = new("evaluateEvery", 1, 0, 10_000,
        "Evaluate on the test set after every Nth epoch and after the last; 0 = after the last only (a time budget spends the time saved on training steps)");

    /// <summary>Declaration of <see cref="AlphaFromMatrix"/> (recipes only: <c>edgekit train</c> takes <c>--alpha</c>).</summary>
    public static BoolPassOption AlphaFromMatrixOption { get; } = new("alphaFromMatrix", false,
        "Train each alpha of the matrix from scratch instead of training alpha 1.0 once and pruning");

    /// <summary>Every setting a training run takes, in help order (both routes; <see cref="AlphaFromMatrixOption"/> is the recipe's own).</summary>
    public static IReadOnlyList<PassOption> Declared =>
    [
        EpochsOption, TimeBudgetOption, BatchSizeOption, OptimizerOption, LearningRateOption, MomentumOption, NesterovOption, WeightDecayOption,
        ScheduleOption, MilestonesOption, StepSizeOption, GammaOption, WarmupEpochsOption, LabelSmoothingOption, InputSizeOption,
        RandomCropPaddingOption, HorizontalFlipOption, RandomErasingSetting, EmaDecaySetting, BatchNormSparsitySetting, EvaluateEveryOption,
    ];

    /// <summary>Epochs of training (with <see cref="TimeBudget"/>: the most the plan may choose).</summary>
    public int Epochs { get; init; } = EpochsOption.Default;

    /// <summary>Wall-clock budget of the training (recipe <c>timeBudget</c>: <c>30m</c>, <c>90s</c>, <c>1h30m</c>, <c>00:30:00</c>); null = train <see cref="Epochs"/>.</summary>
    public TimeSpan? TimeBudget { get; init; }

    /// <summary>Images per step.</summary>
    public int BatchSize { get; init; } = BatchSizeOption.Default;

    /// <summary>Peak learning rate.</summary>
    public double LearningRate { get; init; } = LearningRateOption.Default;

    /// <summary>Optimiser.</summary>
    public OptimizerKind Optimizer { get; init; } = OptimizerOption.Default;

    /// <summary>SGD momentum.</summary>
    public double Momentum { get; init; } = MomentumOption.Default;

    /// <summary>Nesterov momentum (SGD).</summary>
    public bool Nesterov { get; init; }

    /// <summary>Weight decay.</summary>
    public double WeightDecay { get; init; } = WeightDecayOption.Default;

    /// <summary>Learning-rate decay after warm-up.</summary>
    public LearningRateScheduleKind Schedule { get; init; } = ScheduleOption.Default;

    /// <summary>Multi-step schedule: epochs at which the rate is multiplied by <see cref="Gamma"/>.</summary>
    public IReadOnlyList<int> Milestones { get; init; } = [];

    /// <summary>Step schedule: epochs between decays.</summary>
    public int StepSize { get; init; } = StepSizeOption.Default;

    /// <summary>Decay factor of the step and multi-step schedules.</summary>
    public double Gamma { get; init; } = GammaOption.Default;

    /// <summary>Label smoothing of the cross-entropy.</summary>
    public double LabelSmoothing { get; init; }

    /// <summary>Zero padding of the random crop (4 in the CIFAR papers).</summary>
    public int RandomCropPadding { get; init; } = RandomCropPaddingOption.Default;

    /// <summary>Random horizontal flips.</summary>
    public bool HorizontalFlip { get; init; } = HorizontalFlipOption.Default;

    /// <summary>Square model input side in pixels (images are resized/padded to it).</summary>
    public int InputSize { get; init; } = InputSizeOption.Default;

    /// <summary>Epochs of linear learning-rate warm-up (at most <see cref="Epochs"/> - 1).</summary>
    public int WarmupEpochs { get; init; } = WarmupEpochsOption.Default;

    /// <summary>Random-erasing probability (<see cref="TrainerOptions.RandomErasing"/>); 0 = off.</summary>
    public double RandomErasing { get; init; }

    /// <summary>Decay of the moving average of the weights (<see cref="TrainerOptions.EmaDecay"/>); 0 = off.</summary>
    public double EmaDecay { get; init; }

    /// <summary>Epochs between evaluations on the test set (<see cref="TrainerOptions.EvaluateEvery"/>); 0 = the last only.</summary>
    public int EvaluateEvery { get; init; } = EvaluateEveryOption.Default;

    /// <summary>Network-slimming L1 penalty on BatchNorm scales (<see cref="TrainerOptions.BatchNormSparsity"/>); 0 = off.</summary>
    public double BatchNormSparsity { get; init; }

    /// <summary>
    /// Train each alpha of the matrix directly (from scratch) instead of training alpha 1.0 once
    /// and pruning; for the pruned-vs-scratch comparison.
    /// </summary>
    public bool AlphaFromMatrix { get; init; }

    /// <summary>
    /// Builds the options from the values of <see cref="Declared"/> (a recipe entry or the command line). Without
    /// <c>epochs</c>, a time budget lifts the epochs to <see cref="BudgetMaxEpochs"/>; warm-up is cut to epochs - 1.
    /// </summary>
    /// <exception cref="ArgumentException">The multi-step schedule without milestones, naming the setting.</exception>
    public static TrainPassOptions Bind(IPassOptionValues values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var budget = values.Get(TimeBudgetOption);
        int epochs = budget is not null && !values.Has(EpochsOption) ? BudgetMaxEpochs : values.Get(EpochsOption);
        var o = new TrainPassOptions
        {
            Epochs = epochs,
            TimeBudget = budget,
            WarmupEpochs = Math.Min(values.Get(WarmupEpochsOption), epochs - 1),
            BatchSize = values.Get(BatchSizeOption),
            LearningRate = values.Get(LearningRateOption),
            InputSize = values.Get(InputSizeOption),
            Optimizer = values.Get(OptimizerOption),
            Momentum = values.Get(MomentumOption),
            Nesterov = values.Get(NesterovOption),
            WeightDecay = values.Get(WeightDecayOption),
            Schedule = values.Get(ScheduleOption),
            Milestones = values.Get(MilestonesOption),
            StepSize = values.Get(StepSizeOption),
            Gamma = values.Get(GammaOption),
            LabelSmoothing = values.Get(LabelSmoothingOption),
            RandomCropPadding = values.Get(RandomCropPaddingOption),
            HorizontalFlip = values.Get(HorizontalFlipOption),
            BatchNormSparsity = values.Get(BatchNormSparsitySetting),
            RandomErasing = values.Get(RandomErasingSetting),
            EmaDecay = values.Get(EmaDecaySetting),
            EvaluateEvery = values.Get(EvaluateEveryOption),
        };
        if (o.Schedule == LearningRateScheduleKind.MultiStep && o.Milestones.Count == 0)
            throw new ArgumentException($"{values.NameOf(MilestonesOption)} must list the epochs of the multi-step schedule");
        return o;
    }

    /// <summary>Reads and validates the options of a recipe entry.</summary>
    public static TrainPassOptions Read(RecipeOptionReader r)
    {
        ArgumentNullException.ThrowIfNull(r);
        TrainPassOptions o;
        try
        {
            o = Bind(r) with { AlphaFromMatrix = r.Get(AlphaFromMatrixOption) };
        }
        catch (ArgumentException e)
        {
            throw new RecipeException($"{r.File}: {r.Path}.{e.Message}", e);
        }
        r.RejectUnknown("the train pass");
        return o;
    }

    /// <summary>The trainer's settings for this pass's options (the one place both routes turn them into a training run).</summary>
    /// <param name="seed">Seed of initialisation, shuffling and augmentation.</param>
    /// <param name="threads">libtorch threads (0 = all cores).</param>
    /// <param name="outputFolder">Where <c>last/</c>, <c>best/</c> and the log are written.</param>
    public TrainerOptions ToTrainerOptions(int seed, int threads, string outputFolder) => new()
    {
        Epochs = Epochs,
        TimeBudget = TimeBudget,
        BatchSize = BatchSize,
        LearningRate = LearningRate,
        Optimizer = Optimizer,
        Momentum = Momentum,
        Nesterov = Nesterov,
        WeightDecay = WeightDecay,
        Schedule = Schedule,
        Milestones = Milestones,
        StepSize = StepSize,
        Gamma = Gamma,
        LabelSmoothing = LabelSmoothing,
        RandomCropPadding = RandomCropPadding,
        HorizontalFlip = HorizontalFlip,
        BatchNormSparsity = BatchNormSparsity,
        RandomErasing = RandomErasing,
        EmaDecay = EmaDecay,
        EvaluateEvery = EvaluateEvery,
        WarmupEpochs = Math.Min(WarmupEpochs, Math.Max(0, Epochs - 1)),
        Seed = seed,
        Threads = threads,
        OutputDir = outputFolder,
    };
}
