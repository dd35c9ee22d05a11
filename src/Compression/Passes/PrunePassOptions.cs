using EdgeToolkit.Compression.Passes.Options;
using System.Globalization;
using System.Text.Json;
using EdgeToolkit.Compression.Distillation;
using EdgeToolkit.Compression.Pruning;
using EdgeToolkit.Compression.Quantization;
using EdgeToolkit.ModelBundle;
using EdgeToolkit.Preprocessing;

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

    /// <summary>
    /// Fewest channels any layer of a <see cref="WidthPlanChoice.Sensitivity"/> or <see cref="WidthPlanChoice.Slimming"/>
    /// plan keeps (a layer narrower at the source keeps all of its own). The default, <see cref="WidthSearch.Granularity"/>,
    /// lets the search cut the stem of MobileNet v1 1.0 to a quarter; 16 keeps it at uniform alpha 0.5's width.
    /// </summary>
    public int MinChannels { get; init; } = WidthSearch.Granularity;

    /// <summary>
    /// Channels one step of a <see cref="WidthPlanChoice.Sensitivity"/> search removes from a layer (Torch-Pruning's
    /// <c>round_to</c>); 0 = by the latency table (<see cref="SearchStep"/>).
    /// </summary>
    public int ChannelStep { get; init; }

    /// <summary>
    /// Keep a searched plan only if, cut from the source and BatchNorm-recalibrated, it scores at least uniform width within
    /// the same budget on the sensitivity analysis's held-out slice; otherwise keep uniform width (<see cref="Pruning.UniformCheck"/>).
    /// On by default: the search's estimate adds per-layer drops measured one layer at a time, and a plan that cuts
    /// neighbouring layers deep together lost to uniform alpha 0.25 by 1.13 points in int8 (docs/pruning.md).
    /// </summary>
    public bool UniformCheck { get; init; } = true;

    /// <summary>Steps of 16 channels: what an int8 table of an x86 CPU with VNNI calls for (<see cref="SearchStep"/>).</summary>
    public const int VnniInt8ChannelStep = 16;

    /// <summary>
    /// The step the search takes: <see cref="ChannelStep"/> when set; otherwise <see cref="VnniInt8ChannelStep"/> (16) for an
    /// int8 latency table quantized for an x86 CPU with VNNI (the family it was measured on; AVX2-only and ARM64 were not) and <see cref="WidthSearch.Granularity"/> (8, the exporter's MakeDivisible
    /// divisor) for any other budget. Why 16: the int8 table on the AVX-512 VNNI Zen 5 of docs/pruning.md has steps with the
    /// channel count (a layer of 24, 40 or 56 channels cost 1.4-1.7x one of 32, 48 or 64), so from a multiple of 16 no step
    /// of 8 saved anything and nearly half the greedy steps fell back to accuracy alone. Four seeds searched in steps of 16
    /// gave int8 plans +0.82 points over uniform alpha 0.25 on the mean (steps of 8: +0.62 to +0.69), within the seeds'
    /// spread, and the table measured less than half the blocks.
    /// </summary>
    public int SearchStep => ChannelStep > 0 ? ChannelStep
        : LatencyPrecision == Precision.Int8 && (LatencyTarget == QuantizationTarget.Host ? ActivationTypeChoice.DetectHost() : LatencyTarget)
            is QuantizationTarget.X64Vnni ? VnniInt8ChannelStep
        : WidthSearch.Granularity;

    /// <summary>Recipe <c>recalibrationImages</c>, CLI <c>--recalibration-images</c>: <see cref="WidthCutOptions.RecalibrationImages"/>.</summary>
    public static IntPassOption RecalibrationImagesOption { get; } = new("recalibrationImages", BatchNormRecalibrator.DefaultImages, 2, 1_000_000,
        "Training images the BatchNorm statistics are re-estimated on after every cut");

    /// <summary>Recipe <c>taylorBatches</c>, CLI <c>--taylor-batches</c>: <see cref="WidthCutOptions.TaylorBatches"/>.</summary>
    public static IntPassOption TaylorBatchesOption { get; } = new("taylorBatches", TaylorImportance.DefaultBatches, 1, 10_000,
        "Batches of 64 training images the taylor importance is summed over");

    /// <summary>Recipe <c>steps</c>, CLI <c>--steps</c>: cuts of a gradual schedule, evenly spaced.</summary>
    public static IntPassOption StepsOption { get; } = new("steps", 1, 1, PruningSchedule.MaxSteps,
        "Gradual pruning: number of cuts, evenly spaced (1 = one-shot)");

    /// <summary>Recipe <c>scheduleUnit</c>, CLI <c>--schedule-unit</c>: what the even spacing of the steps is in.</summary>
    public static EnumPassOption<ScheduleUnit> ScheduleUnitOption { get; } = new("scheduleUnit", ScheduleUnit.Channels,
        "Space the gradual steps evenly in channels or in MACs");

    /// <summary>Recipe <c>stepEpochs</c>, CLI <c>--step-epochs</c>: distilled fine-tuning between gradual steps.</summary>
    public static IntPassOption StepEpochsOption { get; } = new("stepEpochs", 0, 0, 1000,
        "Distilled fine-tuning epochs between gradual steps (0 = none)");

    /// <summary>Recipe <c>stepBatches</c>, CLI <c>--step-batches</c>: a cap on each between-step epoch.</summary>
    public static IntPassOption StepBatchesOption { get; } = new("stepBatches", 0, 0, int.MaxValue,
        "Cap each between-step fine-tuning epoch at this many batches (0 = whole epoch)");

    /// <summary>Recipe <c>stepLearningRate</c>, CLI <c>--step-learning-rate</c>: peak rate of the between-step fine-tunes.</summary>
    public static DoublePassOption StepLearningRateOption { get; } = new("stepLearningRate", 0.01, 1e-8, 10,
        "Peak learning rate of the fine-tuning between gradual steps");

    /// <summary>Recipe <c>stepDistillationWeight</c>, CLI <c>--step-distillation-weight</c>.</summary>
    public static DoublePassOption StepDistillationWeightOption { get; } = new("stepDistillationWeight", new FineTuneOptions().DistillationWeight, 0, 1,
        "Distillation weight of the fine-tuning between gradual steps (0 = plain cross-entropy)");

    /// <summary>Recipe <c>plan</c>, CLI <c>--plan</c>: how the per-layer widths are chosen.</summary>
    public static EnumPassOption<WidthPlanChoice> PlanOption { get; } = new("plan", WidthPlanChoice.Uniform,
        "Per-layer widths: uniform (the alpha's), sensitivity (non-uniform, from a per-layer sensitivity analysis, within the MAC or latency budget) or slimming (one global |BatchNorm gamma| threshold, after train --bn-sparsity)");

    /// <summary>Recipe <c>targetMacs</c>, CLI <c>--target-macs</c>: <see cref="TargetMacs"/>.</summary>
    public static DoublePassOption TargetMacsOption { get; } = new("targetMacs", 0, 0, 1e15,
        "MAC budget of a sensitivity or slimming plan (0 = the MACs of the uniform target alpha)");

    /// <summary>Recipe <c>minChannels</c>, CLI <c>--min-channels</c>: <see cref="MinChannels"/>.</summary>
    public static IntPassOption MinChannelsOption { get; } = new("minChannels", WidthSearch.Granularity, 1, 100_000,
        "Fewest channels any layer of a sensitivity or slimming plan keeps (16 keeps the stem at alpha 0.5's width)");

    /// <summary>Recipe <c>channelStep</c>, CLI <c>--channel-step</c>: <see cref="ChannelStep"/>.</summary>
    public static IntPassOption ChannelStepOption { get; } = new("channelStep", 0, 0, 100_000,
        "Channels one step of a sensitivity search removes from a layer (0 = by the latency table: 16 for an int8 table of an x86 CPU with VNNI, whose int8 kernels have steps at multiples of 16; 8 otherwise)");

    /// <summary>Recipe <c>uniformCheck</c>, CLI <c>--uniform-check</c>: <see cref="UniformCheck"/>.</summary>
    public static BoolPassOption UniformCheckOption { get; } = new("uniformCheck", true,
        "Keep a searched plan only if, cut and BatchNorm-recalibrated, it scores at least uniform width within the same budget on the held-out slice; otherwise keep uniform width (false = keep the searched plan)");

    /// <summary>Recipe <c>sensitivity</c>, CLI <c>--sensitivity</c>: <see cref="Sensitivity"/>.</summary>
    public static BoolPassOption SensitivityOption { get; } = new("sensitivity", false,
        "Write sensitivity.json (per-layer accuracy after pruning 25/50/75 %) even for a uniform plan");

    /// <summary>Recipe <c>sensitivityImages</c>, CLI <c>--sensitivity-images</c>: <see cref="SensitivityImages"/>.</summary>
    public static IntPassOption SensitivityImagesOption { get; } = new("sensitivityImages", 500, 1, 1_000_000,
        "Held-out training images the sensitivity analysis measures on");

    /// <summary>Recipe <c>sensitivityBatches</c>, CLI <c>--sensitivity-batches</c>: <see cref="SensitivityBatches"/>.</summary>
    public static IntPassOption SensitivityBatchesOption { get; } = new("sensitivityBatches", 0, 0, 1_000_000,
        "Distilled fine-tuning batches after each cut of the sensitivity analysis, before it is measured (NetAdapt's short-term fine-tune; 0 = BatchNorm recalibration only)");

    /// <summary>Recipe <c>latencyThreads</c>, CLI <c>--latency-threads</c>: <see cref="LatencyThreads"/>.</summary>
    public static IntPassOption LatencyThreadsOption { get; } = new("latencyThreads", 1, 1, 256,
        "ONNX Runtime threads of the latency measurements (part of the table's fingerprint)");

    /// <summary>Recipe <c>latencyPrecision</c>, CLI <c>--latency-precision</c>: <see cref="LatencyPrecision"/>.</summary>
    public static EnumPassOption<Precision> LatencyPrecisionOption { get; } = new("latencyPrecision", Precision.Fp32,
        "Precision the latency budget is measured in: fp32, or int8 (every block and candidate quantized as edgekit quantize would, for latencyTarget; part of the table's fingerprint)");

    /// <summary>Recipe <c>latencyTarget</c>, CLI <c>--latency-target</c>: <see cref="LatencyTarget"/>.</summary>
    public static EnumPassOption<QuantizationTarget> LatencyTargetOption { get; } = new("latencyTarget", QuantizationTarget.Host,
        "CPU family an int8 latency table is quantized for (host = this machine; name the device's family when the table is measured on a device)");

    /// <summary>Every setting declared once for the recipe and <c>edgekit prune</c>.</summary>
    public static IReadOnlyList<PassOption> Declared =>
    [
        RecalibrationImagesOption, TaylorBatchesOption, StepsOption, ScheduleUnitOption, StepEpochsOption, StepBatchesOption,
        StepLearningRateOption, StepDistillationWeightOption, PlanOption, TargetMacsOption, TargetLatencyOption, TargetLatencyOfAlphaOption, MinChannelsOption, ChannelStepOption, UniformCheckOption,
        SensitivityOption, SensitivityImagesOption, SensitivityBatchesOption, LatencyThreadsOption,
        LatencyPrecisionOption, LatencyTargetOption,
    ];

    /// <summary>Declaration of <see cref="TargetLatencyMs"/>: recipe <c>targetLatencyMs</c>, CLI <c>edgekit prune --target-latency-ms</c> (alias <c>--target-latency</c>).</summary>
    public static DoublePassOption TargetLatencyOption { get; } = new("targetLatencyMs", 0, 0, 1e6,
        "Latency budget in ms of a sensitivity plan, from a per-layer latency table measured on this machine with ONNX Runtime (0 = use the MAC budget)")
    { CliAliases = ["--target-latency"] };

    /// <summary>
    /// Latency budget (milliseconds, batch 1) of a <see cref="WidthPlanChoice.Sensitivity"/> plan, predicted from a
    /// per-block table measured on this machine (<see cref="Pruning.Latency.MobileNetLatencyModel"/>); 0 = the MAC budget.
    /// </summary>
    public double TargetLatencyMs { get; init; }

    /// <summary>Declaration of <see cref="TargetLatencyOfAlpha"/>: recipe <c>targetLatencyOfAlpha</c>, CLI <c>edgekit prune --target-latency-of-alpha</c>.</summary>
    public static DoublePassOption TargetLatencyOfAlphaOption { get; } = new("targetLatencyOfAlpha", 0, 0, 1,
        "Latency budget of a sensitivity plan: as fast as uniform alpha A on this machine, every candidate timed in alternation with it (0 = none; instead of targetLatencyMs)");

    /// <summary>
    /// A latency budget relative to uniform alpha <c>A</c> (0 = none): the plan must run as fast as the uniform network of
    /// that width on the machine that measures it. Every candidate plan is timed whole in alternation with that network
    /// (<see cref="Pruning.Latency.MobileNetLatencyModel.MeasurePaired"/>, <see cref="PrunePass.PairedRounds"/> rounds), and
    /// their ratio decides, so the comparison holds while the machine's speed drifts: an absolute budget measured minutes
    /// before the search let a plan through that ran 18-26 % slower than uniform in alternating rounds later (docs/pruning.md).
    /// </summary>
    public double TargetLatencyOfAlpha { get; init; }

    /// <summary>True when a latency budget (absolute or relative to a uniform alpha) chooses the plan.</summary>
    public bool HasLatencyBudget => TargetLatencyMs > 0 || TargetLatencyOfAlpha > 0;

    /// <summary>Folder of the cached latency tables (null = <see cref="Pruning.Latency.LatencyTable.DefaultCacheFolder"/>).</summary>
    public string? LatencyCache { get; init; }

    /// <summary>The machine the latency table is measured on (null = this host with ONNX Runtime, <see cref="Pruning.Latency.LocalLatencyRunner"/>).</summary>
    public Pruning.Latency.ILatencyRunner? LatencyRunner { get; init; }

    /// <summary>ONNX Runtime intra-op threads of the latency measurements (part of the table's fingerprint).</summary>
    public int LatencyThreads { get; init; } = 1;

    /// <summary>
    /// Precision the latency budget is measured in: <see cref="Precision.Fp32"/>, or <see cref="Precision.Int8"/> for a network
    /// that will be deployed quantized (its layers do not cost what their fp32 forms cost: at 32x32 on the Zen 5 of
    /// docs/pruning.md, a plan as fast as uniform alpha 0.25 in fp32 ran at 0.84-0.91 of it in int8).
    /// </summary>
    public Precision LatencyPrecision { get; init; } = Precision.Fp32;

    /// <summary>The CPU family an int8 latency table is quantized for (<see cref="QuantizationOptions.Target"/>).</summary>
    public QuantizationTarget LatencyTarget { get; init; } = QuantizationTarget.Host;

    /// <summary>The quantizer settings of an int8 latency table (null for fp32): <c>edgekit quantize</c>'s defaults for <see cref="LatencyTarget"/>.</summary>
    public QuantizationOptions? LatencyQuantization => LatencyQuantizationOf(LatencyPrecision, LatencyTarget, onDevice: LatencyRunner is not null);

    /// <summary>
    /// The quantizer settings a latency table of <paramref name="precision"/> is measured with (null for fp32; for int8,
    /// <c>edgekit quantize</c>'s defaults for <paramref name="target"/>), the one reading of <see cref="LatencyPrecisionOption"/>
    /// and <see cref="LatencyTargetOption"/> for <c>edgekit prune</c>, recipes and <c>edgekit latency-table</c>.
    /// </summary>
    /// <param name="precision">fp32 or int8.</param>
    /// <param name="target">The CPU family of an int8 table.</param>
    /// <param name="onDevice">The table is measured on a device, not this host: an int8 table must name its CPU family.</param>
    /// <exception cref="ArgumentException">fp16, a target with fp32, or int8 on a device for the target "host"; the message names the setting.</exception>
    public static QuantizationOptions? LatencyQuantizationOf(Precision precision, QuantizationTarget target, bool onDevice) =>
        LatencyPrecisionProblem(precision, target, onDevice) is { } p ? throw new ArgumentException($"{p.Field} {p.Text}")
        : precision == Precision.Int8 ? QuantizationOptions.Default with { Target = target } : null;

    private static (string Field, string Text)? LatencyPrecisionProblem(Precision precision, QuantizationTarget target, bool onDevice) =>
        precision is not (Precision.Fp32 or Precision.Int8)
            ? (LatencyPrecisionOption.Key, $"must be fp32 or int8 but is {KebabCase.Name(precision)} (ONNX Runtime's CPU provider has no fast fp16 kernels to measure)")
            : target != QuantizationTarget.Host && precision != Precision.Int8
            ? (LatencyTargetOption.Key, $"is {KebabCase.Name(target)} but applies only to an int8 latency table ({LatencyPrecisionOption.Key}: int8; CLI: {LatencyPrecisionOption.CliName} int8)")
            : onDevice && precision == Precision.Int8 && target == QuantizationTarget.Host
            ? (LatencyTargetOption.Key, $"is host (this machine) but the int8 table is measured on a device: name the device's CPU family ({string.Join(", ", KebabCase.Names<QuantizationTarget>().Where(n => n != KebabCase.Name(QuantizationTarget.Host)))}; CLI: {LatencyTargetOption.CliName})")
            : null;

    /// <summary>Run the sensitivity analysis and write <c>sensitivity.json</c> even for a uniform plan.</summary>
    public bool Sensitivity { get; init; }

    /// <summary>Held-out training images the sensitivity analysis measures on.</summary>
    public int SensitivityImages { get; init; } = 500;

    /// <summary>
    /// Distilled fine-tuning batches each cut of the sensitivity analysis gets before it is measured (<see cref="SensitivityAdaptation"/>;
    /// 0 = BatchNorm recalibration only).
    /// </summary>
    public int SensitivityBatches { get; init; }

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
            : TargetLatencyOfAlpha > 0 && Plan != WidthPlanChoice.Sensitivity
            ? (TargetLatencyOfAlphaOption.Key, $"needs plan: sensitivity (the latency budget chooses per-layer widths; CLI: {TargetLatencyOfAlphaOption.CliName} with --plan sensitivity)")
            : TargetLatencyOfAlpha > 0 && TargetLatencyMs > 0
            ? (TargetLatencyOfAlphaOption.Key, string.Create(CultureInfo.InvariantCulture, $"is {TargetLatencyOfAlpha} and {TargetLatencyOption.Key} is {TargetLatencyMs}: give one latency budget, not both"))
            : TargetLatencyOfAlpha is < 0 or > 1 ? (TargetLatencyOfAlphaOption.Key, string.Create(CultureInfo.InvariantCulture, $"must be a width multiplier in (0, 1] (or 0 for none) but is {TargetLatencyOfAlpha}"))
            : LatencyThreads < 1 ? ("latencyThreads", $"must be at least 1 but is {LatencyThreads}")
            : LatencyPrecisionProblem(LatencyPrecision, LatencyTarget, onDevice: LatencyRunner is not null) is { } precision ? precision
            : LatencyPrecision == Precision.Int8 && !HasLatencyBudget
                ? (LatencyPrecisionOption.Key, $"is int8 but applies only to a latency budget ({TargetLatencyOption.Key} or {TargetLatencyOfAlphaOption.Key}; CLI: {TargetLatencyOption.CliName} or {TargetLatencyOfAlphaOption.CliName})")
            : MinChannels < 1 ? (MinChannelsOption.Key, $"must be at least 1 but is {MinChannels}")
            : SensitivityBatches < 0 ? (SensitivityBatchesOption.Key, $"must be 0 or more but is {SensitivityBatches}")
            : SensitivityBatches > 0 && !Sensitivity && Plan != WidthPlanChoice.Sensitivity
                ? (SensitivityBatchesOption.Key, $"is {SensitivityBatches} but applies only to the sensitivity analysis (plan: sensitivity or sensitivity: true; CLI: {SensitivityBatchesOption.CliName} with --plan sensitivity, --target-latency or --sensitivity)")
            : ChannelStep < 0 ? (ChannelStepOption.Key, $"must be 0 (by the latency table) or more but is {ChannelStep}")
            : ChannelStep != 0 && Plan != WidthPlanChoice.Sensitivity
                ? (ChannelStepOption.Key, $"is {ChannelStep} but applies only to a searched plan (plan: sensitivity; CLI: {ChannelStepOption.CliName} with --plan sensitivity or --target-latency)")
            : !UniformCheck && Plan != WidthPlanChoice.Sensitivity
                ? (UniformCheckOption.Key, $"is false but applies only to a searched plan (plan: sensitivity; CLI: {UniformCheckOption.CliName} with --plan sensitivity or --target-latency)")
            : MinChannels != WidthSearch.Granularity && Plan == WidthPlanChoice.Uniform
                ? (MinChannelsOption.Key, $"is {MinChannels} but applies only to a per-layer plan (plan: sensitivity or slimming; CLI: {MinChannelsOption.CliName} with --plan sensitivity, --plan slimming or --target-latency)")
                : null;

    /// <summary>Reads and validates the options of a recipe entry; errors name the field (<c>schedule[1]</c>, <c>steps</c>...).</summary>
    public static PrunePassOptions Read(RecipeOptionReader r)
    {
        ArgumentNullException.ThrowIfNull(r);
        int stepEpochs = StepEpochsOption.Read(r);
        var stepFineTune = new FineTuneOptions
        {
            Epochs = Math.Max(1, stepEpochs),
            MaxBatchesPerEpoch = StepBatchesOption.Read(r),
            LearningRate = StepLearningRateOption.Read(r),
            DistillationWeight = StepDistillationWeightOption.Read(r),
        };
        int steps = StepsOption.Read(r);
        var widths = DoubleList(r, "schedule");
        var schedule = new PruningSchedule(steps, widths, ScheduleUnitOption.Read(r));
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
                Recalibrate = r.Bool("recalibrate", new WidthCutOptions().Recalibrate),
                RecalibrationImages = RecalibrationImagesOption.Read(r),
                TaylorBatches = TaylorBatchesOption.Read(r),
            },
            Schedule = schedule,
            StepFineTune = stepEpochs > 0 ? stepFineTune.Validate() : null,
            Plan = PlanOption.Read(r),
            TargetMacs = (long)TargetMacsOption.Read(r),
            Sensitivity = SensitivityOption.Read(r),
            SensitivityImages = SensitivityImagesOption.Read(r),
            SensitivityBatches = SensitivityBatchesOption.Read(r),
            Evaluate = r.Bool("evaluate", true),
            TargetLatencyMs = TargetLatencyOption.Read(r),
            TargetLatencyOfAlpha = TargetLatencyOfAlphaOption.Read(r),
            LatencyCache = r.String("latencyCache", null),
            LatencyThreads = LatencyThreadsOption.Read(r),
            LatencyPrecision = LatencyPrecisionOption.Read(r),
            LatencyTarget = LatencyTargetOption.Read(r),
            MinChannels = MinChannelsOption.Read(r),
            ChannelStep = ChannelStepOption.Read(r),
            UniformCheck = UniformCheckOption.Read(r),
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
