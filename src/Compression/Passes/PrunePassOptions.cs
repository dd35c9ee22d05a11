using EdgeToolkit.Compression.Passes.Options;
using System.Globalization;
using System.Text.Json;
using EdgeToolkit.Compression.Distillation;
using EdgeToolkit.Compression.Pruning;

namespace EdgeToolkit.Compression.Passes;

/// <summary>Options of <see cref="PrunePass"/>.</summary>
public sealed record PrunePassOptions
{
    /// <summary>How each cut ranks channels and re-estimates BatchNorm (the seed is the pipeline's).</summary>
    public WidthCutOptions Cut { get; init; } = new();

    /// <summary>How the cut is split into steps (gradual pruning); one step by default.</summary>
    public PruningSchedule Schedule { get; init; } = PruningSchedule.OneShot;

    /// <summary>Fine-tuning between the steps of a gradual schedule, distilled from the unpruned network (null = none).</summary>
    public FineTuneOptions? StepFineTune { get; init; }

    /// <summary>How the per-layer widths are chosen.</summary>
    public WidthPlanChoice Plan { get; init; } = WidthPlanChoice.Uniform;

    /// <summary>MAC budget of a <see cref="WidthPlanChoice.Sensitivity"/> plan (0 = the MACs of the uniform target alpha).</summary>
    public long TargetMacs { get; init; }

    /// <summary>Declaration of <see cref="TargetLatencyMs"/>: recipe <c>targetLatencyMs</c>, CLI <c>edgekit prune --target-latency-ms</c> (alias <c>--target-latency</c>).</summary>
    public static DoublePassOption TargetLatencyOption { get; } = new("targetLatencyMs", 0, 0, 1e6,
        "Latency budget in ms of a sensitivity plan, from a per-layer latency table measured on this machine with ONNX Runtime (0 = use the MAC budget)")
    { CliAliases = ["--target-latency"] };

    /// <summary>
    /// Latency budget (milliseconds, batch 1) of a <see cref="WidthPlanChoice.Sensitivity"/> plan, predicted from a
    /// per-block table measured on this machine (<see cref="Pruning.Latency.MobileNetLatencyModel"/>); 0 = the MAC budget.
    /// </summary>
    public double TargetLatencyMs { get; init; }

    /// <summary>Folder of the cached latency tables (null = <see cref="Pruning.Latency.LatencyTable.DefaultCacheFolder"/>).</summary>
    public string? LatencyCache { get; init; }

    /// <summary>The machine the latency table is measured on (null = this host with ONNX Runtime, <see cref="Pruning.Latency.LocalLatencyRunner"/>).</summary>
    public Pruning.Latency.ILatencyRunner? LatencyRunner { get; init; }

    /// <summary>ONNX Runtime intra-op threads of the latency measurements (part of the table's fingerprint).</summary>
    public int LatencyThreads { get; init; } = 1;

    /// <summary>Run the sensitivity analysis and write <c>sensitivity.json</c> even for a uniform plan.</summary>
    public bool Sensitivity { get; init; }

    /// <summary>Held-out training images the sensitivity analysis measures on.</summary>
    public int SensitivityImages { get; init; } = 500;

    /// <summary>Evaluate on the test set before and after every cut (with and without recalibration).</summary>
    public bool Evaluate { get; init; } = true;

    /// <summary>Recipe and CLI names of <see cref="ChannelImportance"/> values.</summary>
    public static IReadOnlyList<string> ImportanceNames { get; } = ["l1", "bn", "taylor"];

    /// <summary>The criterion a recipe or CLI name stands for (<c>l1</c>, <c>bn</c>, <c>taylor</c>).</summary>
    /// <exception cref="ArgumentException">An unknown name.</exception>
    public static ChannelImportance ParseImportance(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return name.ToLowerInvariant() switch
        {
            "l1" => ChannelImportance.L1Norm,
            "bn" => ChannelImportance.BatchNormScale,
            "taylor" => ChannelImportance.Taylor,
            _ => throw new ArgumentException($"importance: '{name}' is not one of {string.Join(", ", ImportanceNames)}.", nameof(name)),
        };
    }

    /// <summary>Recipe and CLI names of <see cref="WidthPlanChoice"/> values.</summary>
    public static IReadOnlyList<string> PlanNames { get; } = ["uniform", "sensitivity", "slimming"];

    /// <summary>The plan choice a recipe or CLI name stands for.</summary>
    /// <exception cref="ArgumentException">An unknown name.</exception>
    public static WidthPlanChoice ParsePlan(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return name.ToLowerInvariant() switch
        {
            "uniform" => WidthPlanChoice.Uniform,
            "sensitivity" => WidthPlanChoice.Sensitivity,
            "slimming" => WidthPlanChoice.Slimming,
            _ => throw new ArgumentException($"plan: '{name}' is not one of {string.Join(", ", PlanNames)}.", nameof(name)),
        };
    }

    /// <summary>Checks the settings that depend on each other.</summary>
    /// <exception cref="ArgumentException">A latency budget without a sensitivity plan; the message names both the recipe field and the CLI option.</exception>
    public PrunePassOptions Validate()
    {
        if (Problem() is { } p)
            throw new ArgumentException($"{p.Field} {p.Text}");
        return this;
    }

    private (string Field, string Text)? Problem() =>
        TargetLatencyMs > 0 && Plan != WidthPlanChoice.Sensitivity
            ? (TargetLatencyOption.Key, $"needs plan: sensitivity (the latency budget chooses per-layer widths; CLI: {TargetLatencyOption.CliName} with --plan sensitivity)")
            : LatencyThreads < 1 ? ("latencyThreads", $"must be at least 1 but is {LatencyThreads}") : null;

    /// <summary>Reads and validates the options of a recipe entry; errors name the field (<c>schedule[1]</c>, <c>steps</c>...).</summary>
    public static PrunePassOptions Read(RecipeOptionReader r)
    {
        ArgumentNullException.ThrowIfNull(r);
        var d = new WidthCutOptions();
        var ft = new FineTuneOptions();
        int stepEpochs = r.Int("stepEpochs", 0, 0, 1000);
        var stepFineTune = new FineTuneOptions
        {
            Epochs = Math.Max(1, stepEpochs),
            MaxBatchesPerEpoch = r.Int("stepBatches", 0, 0),
            LearningRate = r.Double("stepLearningRate", 0.01, 1e-8, 10),
            DistillationWeight = r.Double("stepDistillationWeight", ft.DistillationWeight, 0, 1),
            Temperature = ft.Temperature,
        };
        int steps = r.Int("steps", 1, 1, PruningSchedule.MaxSteps);
        var widths = DoubleList(r, "schedule");
        var unit = r.String("scheduleUnit", "channels", ["channels", "macs"]) == "macs" ? ScheduleUnit.Macs : ScheduleUnit.Channels;
        var schedule = new PruningSchedule(steps, widths, unit);
        try
        {
            schedule.Validate();
        }
        catch (ArgumentException e)
        {
            throw r.ErrorAt(e.ParamName == nameof(PruningSchedule.Steps) ? "steps" : "schedule", e.Message);
        }
        var o = new PrunePassOptions
        {
            Cut = new WidthCutOptions
            {
                Importance = ParseImportance(r.String("importance", "l1", ImportanceNames)!),
                Recalibrate = r.Bool("recalibrate", d.Recalibrate),
                RecalibrationImages = r.Int("recalibrationImages", d.RecalibrationImages, 2, 1_000_000),
                TaylorBatches = r.Int("taylorBatches", d.TaylorBatches, 1, 10_000),
            },
            Schedule = schedule,
            StepFineTune = stepEpochs > 0 ? stepFineTune.Validate() : null,
            Plan = ParsePlan(r.String("plan", "uniform", PlanNames)!),
            TargetMacs = (long)r.Double("targetMacs", 0, 0, 1e15),
            Sensitivity = r.Bool("sensitivity", false),
            SensitivityImages = r.Int("sensitivityImages", 500, 1, 1_000_000),
            Evaluate = r.Bool("evaluate", true),
            TargetLatencyMs = TargetLatencyOption.Read(r),
            LatencyCache = r.String("latencyCache", null),
            LatencyThreads = r.Int("latencyThreads", 1, 1, 256),
        };
        if (o.Problem() is { } problem)
            throw r.ErrorAt(problem.Field, problem.Text);
        if (o.StepFineTune is not null && o.Schedule.StepCount == 1)
            throw r.ErrorAt("stepEpochs", "applies only to a gradual schedule (steps above 1 or a schedule list); fine-tune after the pass with 'finetune'");
        r.RejectUnknown("the prune pass");
        return o;
    }

    private static List<double>? DoubleList(RecipeOptionReader r, string field)
    {
        if (r.Array(field) is not { } array) return null;
        var list = new List<double>();
        int i = 0;
        foreach (var item in array.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number)
                throw r.ErrorAt(string.Create(CultureInfo.InvariantCulture, $"{field}[{i}]"), $"must be a number but is {item.GetRawText()}");
            list.Add(item.GetDouble());
            i++;
        }
        if (list.Count == 0) throw r.ErrorAt(field, "must list at least one intermediate width (or leave it out for one-shot)");
        return list;
    }
}
