using EdgeToolkit.Compression.Passes.Options;
using EdgeToolkit.Preprocessing;
using EdgeToolkit.Training.Training;

namespace EdgeToolkit.Compression.Passes;

/// <summary>Options of <see cref="TrainPass"/>.</summary>
public sealed record TrainPassOptions
{
    /// <summary>Epochs of training (with <see cref="TimeBudget"/>: the most the plan may choose).</summary>
    public int Epochs { get; init; } = 10;

    /// <summary>Wall-clock budget of the training (recipe <c>timeBudget</c>: <c>30m</c>, <c>90s</c>, <c>1h30m</c>, <c>00:30:00</c>); null = train <see cref="Epochs"/>.</summary>
    public TimeSpan? TimeBudget { get; init; }

    /// <summary>Images per step.</summary>
    public int BatchSize { get; init; } = 128;

    /// <summary>Peak learning rate (SGD, cosine).</summary>
    public double LearningRate { get; init; } = 0.1;

    /// <summary>Optimiser.</summary>
    public OptimizerKind Optimizer { get; init; } = OptimizerKind.Sgd;

    /// <summary>SGD momentum.</summary>
    public double Momentum { get; init; } = 0.9;

    /// <summary>Nesterov momentum (SGD).</summary>
    public bool Nesterov { get; init; }

    /// <summary>Weight decay.</summary>
    public double WeightDecay { get; init; } = 5e-4;

    /// <summary>Learning-rate decay after warm-up.</summary>
    public LearningRateScheduleKind Schedule { get; init; } = LearningRateScheduleKind.Cosine;

    /// <summary>Multi-step schedule: epochs at which the rate is multiplied by <see cref="Gamma"/>.</summary>
    public IReadOnlyList<int> Milestones { get; init; } = [];

    /// <summary>Decay factor of the step and multi-step schedules.</summary>
    public double Gamma { get; init; } = 0.1;

    /// <summary>Label smoothing of the cross-entropy.</summary>
    public double LabelSmoothing { get; init; }

    /// <summary>Zero padding of the random crop (4 in the CIFAR papers).</summary>
    public int RandomCropPadding { get; init; } = 2;

    /// <summary>Random horizontal flips.</summary>
    public bool HorizontalFlip { get; init; } = true;

    /// <summary>Square model input side in pixels (images are resized/padded to it).</summary>
    public int InputSize { get; init; } = 32;

    /// <summary>Epochs of linear learning-rate warm-up (default 1, or 0 for a one-epoch run).</summary>
    public int WarmupEpochs { get; init; } = 1;

    /// <summary>Declaration of <see cref="BatchNormSparsity"/>: recipe <c>bnSparsity</c>, CLI <c>edgekit train --bn-sparsity</c>.</summary>
    public static DoublePassOption BatchNormSparsitySetting { get; } = new("bnSparsity", 0, 0, 1,
        "Network slimming: L1 penalty weight on every BatchNorm scale (then prune --plan slimming); 0 = off, typical 1e-5 to 1e-4");

    /// <summary>Declaration of <see cref="RandomErasing"/>: recipe <c>randomErasing</c>, CLI <c>edgekit train --random-erasing</c>.</summary>
    public static DoublePassOption RandomErasingSetting { get; } = new("randomErasing", 0, 0, 1,
        "Random erasing: probability per training image of a rectangle (2-33 % of the area) set to the mean; 0 = off, typical 0.25-0.5");

    /// <summary>Random-erasing probability (<see cref="TrainerOptions.RandomErasing"/>); 0 = off.</summary>
    public double RandomErasing { get; init; }

    /// <summary>Declaration of <see cref="EmaDecay"/>: recipe <c>emaDecay</c>, CLI <c>edgekit train --ema-decay</c>.</summary>
    public static DoublePassOption EmaDecaySetting { get; } = new("emaDecay", 0, 0, 0.99999,
        "Moving average of the weights with this decay (e.g. 0.999), evaluated every epoch and kept as best when it scores better; 0 = off");

    /// <summary>Decay of the moving average of the weights (<see cref="TrainerOptions.EmaDecay"/>); 0 = off.</summary>
    public double EmaDecay { get; init; }

    /// <summary>Network-slimming L1 penalty on BatchNorm scales (<see cref="TrainerOptions.BatchNormSparsity"/>); 0 = off.</summary>
    public double BatchNormSparsity { get; init; }

    /// <summary>
    /// Train each alpha of the matrix directly (from scratch) instead of training alpha 1.0 once
    /// and pruning; for the pruned-vs-scratch comparison.
    /// </summary>
    public bool AlphaFromMatrix { get; init; }

    /// <summary>Upper bound of the epochs a budgeted run may plan when the recipe gives no <c>epochs</c>.</summary>
    public const int BudgetMaxEpochs = 1000;

    /// <summary>Reads and validates the options of a recipe entry.</summary>
    public static TrainPassOptions Read(RecipeOptionReader r)
    {
        ArgumentNullException.ThrowIfNull(r);
        string? budgetText = r.String("timeBudget", null);
        TimeSpan? budget = null;
        if (budgetText is not null)
            budget = DurationText.TryParse(budgetText, out var parsed)
                ? parsed
                : throw r.ErrorAt("timeBudget", $"must be a positive duration such as 30m, 90s, 1h30m or 00:30:00 but is '{budgetText}'");
        int epochs = r.Int("epochs", budget is null ? 10 : BudgetMaxEpochs, 1, 10_000);
        var o = new TrainPassOptions
        {
            Epochs = epochs,
            TimeBudget = budget,
            WarmupEpochs = r.Int("warmupEpochs", Math.Min(1, epochs - 1), 0, epochs - 1),
            BatchSize = r.Int("batchSize", 128, 2, 65_536),
            LearningRate = r.Double("learningRate", 0.1, 1e-8, 10),
            InputSize = r.Int("inputSize", 32, 8, 1024),
            AlphaFromMatrix = r.Bool("alphaFromMatrix", false),
            Optimizer = Enum.Parse<OptimizerKind>(r.String("optimizer", "sgd", ["sgd", "adam", "adamw"])!, ignoreCase: true),
            Momentum = r.Double("momentum", 0.9, 0, 0.999),
            Nesterov = r.Bool("nesterov", false),
            WeightDecay = r.Double("weightDecay", 5e-4, 0, 1),
            Schedule = KebabCase.Parse<LearningRateScheduleKind>(r.String("schedule", "cosine", KebabCase.Names<LearningRateScheduleKind>()), "schedule"),
            Milestones = r.DoubleList("milestones")?.Select(m => (int)m).ToArray() ?? [],
            Gamma = r.Double("gamma", 0.1, 1e-6, 1),
            LabelSmoothing = r.Double("labelSmoothing", 0, 0, 0.99),
            RandomCropPadding = r.Int("randomCropPadding", 2, 0, 8),
            HorizontalFlip = r.Bool("horizontalFlip", true),
            BatchNormSparsity = BatchNormSparsitySetting.Read(r),
            RandomErasing = RandomErasingSetting.Read(r),
            EmaDecay = EmaDecaySetting.Read(r),
        };
        if (o.Schedule == LearningRateScheduleKind.MultiStep && o.Milestones.Count == 0)
            throw r.ErrorAt("milestones", "must list the epochs of the multi-step schedule");
        r.RejectUnknown("the train pass");
        return o;
    }
}
