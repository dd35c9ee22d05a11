using System.Globalization;
using System.Text.Json;
using EdgeToolkit.Compression.Distillation;
using EdgeToolkit.ModelBundle.Runtime;
using EdgeToolkit.Compression.Pruning;
using EdgeToolkit.Compression.Pruning.Latency;
using EdgeToolkit.Training.Models;
using EdgeToolkit.Training.Training;
using EdgeToolkit.ModelBundle;

namespace EdgeToolkit.Compression.Passes;

/// <summary>
/// Width-prunes a MobileNet v1 checkpoint to the target cell's alpha with
/// <see cref="MobileNetWidthPruner"/>; other architectures, and cells whose alpha equals the
/// input's, pass through. Every cut is followed by a BatchNorm recalibration (unless turned off).
/// A searched per-layer plan is checked against uniform width within the same budget on the sensitivity analysis's
/// held-out slice (<see cref="UniformCheck"/>). Writes the pruned checkpoint and <c>prune.json</c> (kept channels,
/// accuracy right after the cut with and without the recalibration, the check's figures).
/// </summary>
public sealed class PrunePass : IPass
{
    /// <summary>Name in recipes.</summary>
    public const string PassName = "prune";

    /// <summary>File with the pruning plan and the accuracy right after pruning.</summary>
    public const string ReportFile = "prune.json";

    /// <summary>Creates the pass.</summary>
    public PrunePass(PrunePassOptions options) => Options = options ?? throw new ArgumentNullException(nameof(options));

    /// <summary>The options.</summary>
    public PrunePassOptions Options { get; }

    /// <inheritdoc/>
    public string Name => PassName;

    /// <inheritdoc/>
    public string? CheckInput(ArtefactKind? inputKind) => inputKind == ArtefactKind.Checkpoint ? null : "needs a TorchSharp checkpoint (put it after 'train')";

    /// <inheritdoc/>
    public ArtefactKind OutputKind(ArtefactKind? inputKind) => ArtefactKind.Checkpoint;

    /// <inheritdoc/>
    public string VariantKey(ModelVariant target) => string.Create(CultureInfo.InvariantCulture, $"{target.Architecture}-a{target.Alpha}");

    /// <inheritdoc/>
    public bool AppliesTo(Artefact? input, ModelVariant target) =>
        input is { Kind: ArtefactKind.Checkpoint } && IsMobileNet(input.Architecture) && target.Alpha < input.Alpha - 1e-9;

    /// <summary>Whether an architecture name is of the MobileNet family (<see cref="ModelFactory.Family"/>), the only one width pruning applies to.</summary>
    public static bool IsMobileNet(string architecture) => ModelFactory.Family(architecture) == ArchitectureFamily.MobileNet;

    /// <inheritdoc/>
    public Artefact Run(Artefact? input, string outputFolder, PassContext context)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(context);
        double alpha = context.Target.Alpha;
        using var checkpoint = Checkpoint.Load(input.Folder);
        if (checkpoint.Model is not MobileNetV1 source)
            throw new InvalidOperationException($"{input.Folder}: prune needs a mobilenet_v1 checkpoint but it holds {checkpoint.Spec.Architecture}.");
        MobileNetWidthPruner.CheckAlpha(source, alpha);
        var spec = checkpoint.Spec;
        var cut = Options.Cut with { Seed = context.Seed };
        var test = Options.Evaluate ? context.Data.Test : null;
        var train = cut.Recalibrate || cut.Importance == ChannelImportance.Taylor || Options.StepFineTune is not null || Options.Sensitivity
            || Options.Plan == WidthPlanChoice.Sensitivity ? context.Data.Train : null;
        Directory.CreateDirectory(outputFolder);
        long Macs(IReadOnlyList<int> plan) => MobileNetV1.Macs(plan, spec.InputChannels, spec.InputSize, spec.NumClasses);

        // The plan to reach: uniform at the cell's alpha, or chosen per layer from a sensitivity analysis.
        IReadOnlyList<int> target = MobileNetV1.Channels(alpha);
        double? targetAlpha = alpha;
        UniformCheckResult? check = null;
        if (Options.Sensitivity || Options.Plan == WidthPlanChoice.Sensitivity)
        {
            var ratios = SensitivityAnalysis.RatiosFor(1 - alpha / MobileNetV1.NominalAlpha(source.ChannelPlan));
            var adaptation = Options.SensitivityBatches > 0
                ? new SensitivityAdaptation(Options.SensitivityBatches, outputFolder) { Threads = context.Threads }
                : null;
            var slice = HeldOutSlice.Create(source, spec, train!, cut, Options.SensitivityImages, adaptation, context.Cancellation);
            var report = SensitivityAnalysis.Run(slice, ratios, context.Progress, context.Cancellation);
            report.Write(outputFolder);
            context.Report(report.NoiseSummary($"{PrunePassOptions.SensitivityImagesOption.Key} ({PrunePassOptions.SensitivityImagesOption.CliName})"));
            var checkSlice = Options.UniformCheck ? slice : null;
            if (Options.Plan == WidthPlanChoice.Sensitivity && Options.HasLatencyBudget)
            {
                (target, check) = LatencyPlan(source, spec, report, checkSlice, outputFolder, context);
                targetAlpha = MobileNetV1.IsUniform(target, alpha) ? alpha : null;
            }
            else if (Options.Plan == WidthPlanChoice.Sensitivity)
            {
                long budget = Options.TargetMacs > 0 ? Options.TargetMacs : Macs(target);
                var uniform = target;
                target = WidthSearch.Search(source.ChannelPlan, p => Macs(p), budget, report.Drop, "targetMacs", Options.MinChannels,
                    floor: report.MeasuredFloor(WidthSearch.Granularity), step: Options.SearchStep);
                context.Report(string.Create(CultureInfo.InvariantCulture,
                    $"prune: sensitivity plan {string.Join(",", target)} ({Macs(target) / 1e6:F2}M MACs, budget {budget / 1e6:F2}M)"));
                // Uniform width is a rival only where it is within the budget (an explicit targetMacs may be below it).
                if (checkSlice is not null && Macs(uniform) <= budget)
                {
                    check = UniformCheck.Choose([target], uniform, p => checkSlice.Accuracy(p, context.Cancellation));
                    target = check.Kept;
                    context.Report(Describe(check, alpha, checkSlice));
                }
                targetAlpha = MobileNetV1.IsUniform(target, alpha) ? alpha : null;
            }
        }

        if (Options.Plan == WidthPlanChoice.Slimming)
        {
            long budget = Options.TargetMacs > 0 ? Options.TargetMacs : Macs(target);
            target = SlimmingPlan.Choose(source, p => Macs(p), budget, Options.MinChannels);
            targetAlpha = MobileNetV1.IsUniform(target, alpha) ? alpha : null;
            context.Report(string.Create(CultureInfo.InvariantCulture,
                $"prune: slimming plan {string.Join(",", target)} ({Macs(target) / 1e6:F2}M MACs, budget {budget / 1e6:F2}M)"));
        }

        var plans = Options.Schedule.Plans(source.ChannelPlan, source.Alpha, target, targetAlpha ?? MobileNetV1.NominalAlpha(target), Macs);
        double? before = test is null ? null : (input.Measurements.TryGetValue(MeasurementNames.TorchAccuracy, out var known) ? known : WidthCut.Accuracy(source, spec, test, context.Cancellation));
        var steps = new List<PruneStepRecord>();
        MobileNetV1 current = source;
        var currentSpec = spec;
        PrunedNetwork? last = null;
        try
        {
            for (int k = 0; k < plans.Count; k++)
            {
                bool final = k == plans.Count - 1;
                var stepAlpha = final ? targetAlpha : (MobileNetV1.IsUniform(plans[k], NominalUniformAlpha(plans[k])) ? NominalUniformAlpha(plans[k]) : null);
                var pruned = WidthCut.Run(current, currentSpec, plans[k], stepAlpha, cut, train, test, context.Cancellation);
                double? afterFineTune = null;
                if (!final && Options.StepFineTune is { } ft)
                {
                    var options = ft with { Seed = context.Seed + k + 1 };
                    string stepFolder = Path.Combine(outputFolder, "steps", string.Create(CultureInfo.InvariantCulture, $"{k + 1}"));
                    var result = new DistillationFineTuner(options with { Threads = context.Threads }).FineTune(pruned.Model, pruned.Spec,
                        options.DistillationWeight > 0 ? source : null, context.Data.Train, context.Data.Test, stepFolder, null, context.Cancellation);
                    if (result.Interrupted)
                        throw new OperationCanceledException($"prune: interrupted while fine-tuning step {k + 1}");
                    afterFineTune = result.FinalAccuracy;
                }
                steps.Add(new PruneStepRecord(k + 1, pruned.Plan.TargetAlpha, pruned.Plan.TargetChannels, Macs(pruned.Plan.TargetChannels),
                    before, pruned.AccuracyAfterCut, pruned.AccuracyRecalibrated, afterFineTune));
                context.Report(string.Create(CultureInfo.InvariantCulture,
                    $"prune: step {k + 1}/{plans.Count} -> {Macs(pruned.Plan.TargetChannels) / 1e6:F2}M MACs{(before is { } b ? $", before the cut {b:P2}" : "")}{Describe(pruned)}{(afterFineTune is { } f ? $", after {Options.StepFineTune!.Epochs} fine-tuning epoch(s) {f:P2}" : "")}"));
                before = afterFineTune ?? pruned.Accuracy;
                last?.Dispose(); // the previous step's network (= current unless it is the source)
                last = pruned;
                current = pruned.Model;
                currentSpec = pruned.Spec;
            }

            string folder = Path.Combine(outputFolder, "checkpoint");
            Checkpoint.Save(folder, last!.Model, last.Spec, null);
            var first = steps[0];
            var lastStep = steps[^1];
            var measurements = new Dictionary<string, double>();
            if (lastStep.AccuracyAfterCut is { } raw) measurements[MeasurementNames.PrunedAccuracy] = raw;
            if (lastStep.AccuracyRecalibrated is { } recalibrated) measurements[MeasurementNames.RecalibratedAccuracy] = recalibrated;
            if (last.Accuracy is { } now) measurements[MeasurementNames.TorchAccuracy] = now;
            WriteReport(outputFolder, new
            {
                sourceCheckpoint = RelativePath.From(outputFolder, input.Folder), // relative to this report's folder
                sourceAlpha = source.Alpha,
                targetAlpha = last.Plan.TargetAlpha,
                channelPlan = last.Plan.TargetChannels,
                uniform = last.Plan.IsUniform,
                plan = Options.Plan.ToString(),
                minChannels = Options.Plan == WidthPlanChoice.Uniform ? (int?)null : Options.MinChannels,
                channelStep = Options.Plan == WidthPlanChoice.Sensitivity ? Options.SearchStep : (int?)null,
                uniformCheck = check is null ? null : new
                {
                    heldOutImages = Options.SensitivityImages,
                    uniformPlan = check.Uniform,
                    uniformHeldOutAccuracy = check.UniformAccuracy,
                    candidates = check.Candidates.Select(c => new { channelPlan = c.Plan, heldOutAccuracy = c.HeldOutAccuracy }),
                    keptUniform = check.KeptUniform,
                },
                importance = cut.Importance.ToString(),
                recalibrated = cut.Recalibrate,
                recalibrationImages = cut.Recalibrate ? cut.RecalibrationImages : 0,
                schedule = new { steps = plans.Count, unit = Options.Schedule.Unit.ToString(), widths = Options.Schedule.Widths },
                stepFineTune = Options.StepFineTune is { } s ? new { s.Epochs, s.MaxBatchesPerEpoch, s.LearningRate, s.DistillationWeight } : null,
                accuracyBeforePruning = first.AccuracyBeforeCut,
                accuracyAfterCut = lastStep.AccuracyAfterCut,
                accuracyAfterCutRecalibrated = lastStep.AccuracyRecalibrated,
                steps,
                keptChannels = last.Plan.KeptChannels,
            });
            context.Report(string.Create(CultureInfo.InvariantCulture,
                $"prune: alpha {input.Alpha} -> {alpha} ({cut.Importance}, {plans.Count} step(s), {(last.Plan.IsUniform ? "uniform" : "plan " + string.Join(",", last.Plan.TargetChannels))}){Describe(last)}"));
            return new Artefact(ArtefactKind.Checkpoint, folder, input.Architecture, alpha, Precision.Fp32)
            {
                Lineage = input.Lineage,
                Parent = input,
                CheckpointFolder = folder,
            }.After(PassName).WithMeasurements(measurements);
        }
        finally
        {
            last?.Dispose();
        }
    }

    /// <summary>Name of the latency report in the pass folder.</summary>
    public const string LatencyFile = "latency.json";

    /// <summary>
    /// NetAdapt: the per-layer widths whose latency, predicted from a per-block table measured on this machine,
    /// is within the budget; then the whole network of that plan (and of the source) is measured on the same machine
    /// and the figures go to <c>latency.json</c>. The budget is <see cref="PrunePassOptions.TargetLatencyMs"/>, or
    /// uniform alpha <see cref="PrunePassOptions.TargetLatencyOfAlpha"/> on this machine: then every candidate is timed
    /// in alternation with that network (<see cref="PairedRounds"/> rounds) and their ratio decides.
    /// The table's sum of blocks misses what a whole network gains or pays (ONNX Runtime fuses across blocks,
    /// caches stay warm; measured at 32x32 the sum overestimated whole networks by 21-29 %, so the plan stopped
    /// far under its budget). So the prediction is corrected by the measured/predicted ratio of the plan found,
    /// the search is run again, and the new plan measured, up to <see cref="MaxLatencyCorrections"/> times (once plans
    /// on both sides of the budget were measured, the correction interpolates between them: <see cref="BudgetCorrection"/>;
    /// a search that finds a plan already measured is re-run halfway between them, then just past the narrowest plan
    /// measured over the budget, and the searches end when that finds one too); the
    /// widest measured plan within the budget is kept (or, when none is, the fastest, reported as not met). With
    /// <paramref name="checkSlice"/> (<see cref="PrunePassOptions.UniformCheck"/>) the plans within the budget are checked
    /// against uniform width within it, widest first (<see cref="UniformCheck"/>), and uniform width is kept when none
    /// scores as well on the held-out slice (or none is within the budget).
    /// </summary>
    private (IReadOnlyList<int> Plan, UniformCheckResult? Check) LatencyPlan(MobileNetV1 source, ModelSpec spec, SensitivityReport report, HeldOutSlice? checkSlice,
        string outputFolder, PassContext context)
    {
        var runner = Options.LatencyRunner ?? new LocalLatencyRunner(new LatencyBenchmarkOptions { Warmup = 5, Runs = 60, Threads = Options.LatencyThreads });
        var model = new MobileNetLatencyModel(runner, Options.LatencyCache ?? LatencyTable.DefaultCacheFolder, spec.InputChannels, spec.InputSize, spec.NumClasses,
            int8: Options.LatencyQuantization);
        int step = Options.SearchStep; // resolved once: with the target "host" it reads the CPU's flags
        string why = Options.ChannelStep > 0 ? PrunePassOptions.ChannelStepOption.Key : step == PrunePassOptions.VnniInt8ChannelStep ? "int8 on x64-vnni" : "default";
        context.Report($"prune: latency table for {model.Table.Fingerprint} ({model.Table.Entries.Count} cached blocks, {model.CachePath}); search steps of {step} channels ({why})");
        var ct = context.Cancellation;
        var whole = Options.LatencyRunner ?? new LocalLatencyRunner(new LatencyBenchmarkOptions { Warmup = 20, Runs = 300, Threads = Options.LatencyThreads });
        long Macs(IReadOnlyList<int> p) => MobileNetV1.Macs(p, spec.InputChannels, spec.InputSize, spec.NumClasses);

        // A relative budget: the reference network's figures gathered so far (its median is the budget in ms the
        // table's search aims at; it follows the machine's speed as the rounds go on).
        IReadOnlyList<int>? reference = Options.TargetLatencyOfAlpha > 0 ? MobileNetV1.Channels(Options.TargetLatencyOfAlpha) : null;
        var referenceMs = new List<double>();
        if (reference is not null) referenceMs.Add(model.MeasureWhole(reference, whole, ct));
        double Budget() => reference is null ? Options.TargetLatencyMs : Median.Of(referenceMs);
        string budgetName = reference is null
            ? PrunePassOptions.TargetLatencyOption.Key
            : string.Create(CultureInfo.InvariantCulture, $"{PrunePassOptions.TargetLatencyOfAlphaOption.Key} ({Options.TargetLatencyOfAlpha})");
        double OverBudget(LatencyAttempt a) => a.RatioToReference ?? a.MeasuredMs / Budget();
        bool Within(LatencyAttempt a) => OverBudget(a) <= 1 + LatencyTolerance;
        bool CloseBelow(LatencyAttempt a) => OverBudget(a) >= 1 - LatencyTolerance;
        LatencyAttempt Measure(IReadOnlyList<int> candidate, double correction)
        {
            double predicted = model.Predict(candidate, ct);
            if (reference is null) return new LatencyAttempt(candidate, correction, predicted, model.MeasureWhole(candidate, whole, ct), Macs(candidate), null);
            var paired = model.MeasurePaired(candidate, reference, PairedRounds, whole, ct);
            referenceMs.AddRange(paired.ReferenceMs);
            return new LatencyAttempt(candidate, correction, predicted, paired.Ratio * Budget(), Macs(candidate), paired.Ratio);
        }

        var tried = new List<LatencyAttempt>();
        var floor = report.MeasuredFloor(WidthSearch.Granularity);
        // The plans the search is bounded by are timed in the same passes over their blocks, so that a load starting
        // between them cannot rank the narrowest plan above the source (the table's other blocks come as the search needs them).
        model.Predict([source.ChannelPlan, WidthSearch.Narrowest(source.ChannelPlan, Options.MinChannels, floor), .. reference is null ? [] : new[] { reference }], ct);
        // With a reference network the table is calibrated at the budget before the first search: at tight budgets the
        // sum of blocks overestimates whole networks so much (alpha 0.25 at 32x32: the plan of 8 channels everywhere
        // predicted 0.186 ms, uniform 0.25 measured 0.174) that an uncorrected search finds no plan at all.
        double correction = reference is null ? 1 : referenceMs[0] / model.Predict(reference, ct);
        IReadOnlyList<int>? SearchAt(double scale, bool first)
        {
            try
            {
                // The reference meets a relative budget by measurement (the budget is its own median), so it is costed
                // by that, not by its corrected prediction, and the search may always fall back to it. Costed by its
                // prediction it was dropped once a plan over the budget had raised the correction: session 34's seed 42
                // (int8) measured its first plan at 1.059 x uniform, the correction rose to 1.8, uniform alpha 0.25 and
                // the narrowest plan both predicted over the budget, and the search ended after one attempt, not met.
                return WidthSearch.Search(source.ChannelPlan, p => IsReference(p) ? Budget() : scale * model.Predict(p, ct), Budget(), report.Drop, budgetName,
                    Options.MinChannels, feasible: reference, floor: floor, step: step);
            }
            catch (ArgumentException) when (!first)
            {
                return null; // the corrected prediction says even the narrowest plan is over the budget: keep what was measured
            }
        }
        bool Measured(IReadOnlyList<int> plan) => tried.Any(t => t.Plan.SequenceEqual(plan));
        bool IsReference(IReadOnlyList<int> plan) => reference is not null && plan.SequenceEqual(reference);
        List<(double, double)> History() => tried.Select(t => (t.PredictedMs, OverBudget(t))).ToList();
        for (int attempt = 0; attempt <= MaxLatencyCorrections; attempt++)
        {
            var candidate = SearchAt(correction, attempt == 0);
            if (candidate is not null && Measured(candidate) && BudgetCorrection.Midpoint(History(), Budget(), LatencyTolerance) is { } middle)
            {
                // The factor's plan was measured already: try the plan halfway between the closest plans on either side.
                correction = middle;
                candidate = SearchAt(correction, first: false);
                if (candidate is not null && Measured(candidate) && BudgetCorrection.PastNarrowestOver(History(), Budget(), LatencyTolerance) is { } past)
                {
                    // That one too: the plan right after the narrowest one over the budget on the search's path, if any.
                    correction = past;
                    candidate = SearchAt(correction, first: false);
                }
            }
            if (candidate is null || Measured(candidate)) break;
            var measured = Measure(candidate, correction);
            tried.Add(measured);
            context.Report(string.Create(CultureInfo.InvariantCulture,
                $"prune: latency search {attempt + 1} (prediction x {correction:F3}): plan {string.Join(",", candidate)}, predicted {measured.PredictedMs:F3} ms, measured {measured.MeasuredMs:F3} ms{Relative(measured)}, {measured.Macs:N0} MACs"));
            // Close enough below the budget: a correction could only add a few channels.
            if (Within(measured) && CloseBelow(measured)) break;
            correction = BudgetCorrection.Next(History(), Budget(), LatencyTolerance);
        }
        var within = tried.Where(Within).OrderByDescending(t => t.Macs).ToList();
        var kept = within.FirstOrDefault() ?? tried.MinBy(OverBudget)!;
        UniformCheckResult? check = null;
        if (checkSlice is not null)
        {
            // Uniform width within the budget: the reference of a relative budget (its median is the budget), else the
            // cell's alpha if it measures within the budget. The measured plans within the budget are its rivals, the
            // widest first (the order they were kept in before the check); with none, uniform width is kept.
            double uniformAlpha = reference is null ? context.Target.Alpha : Options.TargetLatencyOfAlpha;
            var uniformPlan = reference ?? MobileNetV1.Channels(uniformAlpha);
            var uniform = reference is not null
                ? new LatencyAttempt(reference, correction, model.Predict(reference, ct), Budget(), Macs(reference), 1.0)
                : within.FirstOrDefault(t => t.Plan.SequenceEqual(uniformPlan)) ?? Measure(uniformPlan, correction);
            if (Within(uniform))
            {
                check = UniformCheck.Choose(within.Select(t => t.Plan).ToList(), uniform.Plan, p => checkSlice.Accuracy(p, ct));
                kept = check.KeptUniform ? uniform : within.First(t => t.Plan.SequenceEqual(check.Kept));
                context.Report(Describe(check, uniformAlpha, checkSlice));
            }
            else
            {
                context.Report(string.Create(CultureInfo.InvariantCulture,
                    $"prune: no check against uniform width: uniform alpha {uniformAlpha} measured {uniform.MeasuredMs:F3} ms, over the budget {Budget():F3} ms"));
            }
        }
        var plan = kept.Plan;
        double budget = Budget();
        double predicted = kept.PredictedMs, measuredMs = kept.RatioToReference is { } ratio ? ratio * budget : kept.MeasuredMs;
        double sourcePredicted = model.Predict(source.ChannelPlan, ct), sourceMeasured = model.MeasureWhole(source.ChannelPlan, whole, ct);
        bool met = Within(kept);
        AtomicFile.WriteAllText(Path.Combine(outputFolder, LatencyFile), JsonSerializer.Serialize(new
        {
            fingerprint = model.Table.Fingerprint,
            cacheFile = model.CachePath,
            blocksMeasured = model.BlocksMeasured,
            budgetMs = budget,
            tolerance = LatencyTolerance,
            channelPlan = plan,
            macs = kept.Macs,
            predictedMs = predicted,
            measuredMs,
            ratioToReference = kept.RatioToReference,
            measuredWithinBudget = met,
            // After the kept plan: scripts take the first channelPlan of the file (benchmarks/pruning-study.sh).
            reference = reference is null ? null : new
            {
                alpha = Options.TargetLatencyOfAlpha,
                channelPlan = reference,
                measuredMs = budget,
                measurements = referenceMs,
                pairedRounds = PairedRounds,
            },
            predictionCorrection = kept.Correction,
            searches = tried.Select(t => new { channelPlan = t.Plan, predictionCorrection = t.Correction, predictedMs = t.PredictedMs, measuredMs = t.MeasuredMs, ratioToReference = t.RatioToReference, macs = t.Macs }),
            source = new { channelPlan = source.ChannelPlan, predictedMs = sourcePredicted, measuredMs = sourceMeasured },
        }, new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase })); // the fingerprint's fields too, as in the table's cache file
        context.Report(string.Create(CultureInfo.InvariantCulture,
            $"prune: latency plan {string.Join(",", plan)}: predicted {predicted:F3} ms (x {kept.Correction:F3}: {predicted * kept.Correction:F3}), whole network measured {measuredMs:F3} ms{Relative(kept)} against the budget {budget:F3} ms " +
            $"({(met ? "met" : "NOT met")} within {LatencyTolerance:P0}; {tried.Count} search(es)); source predicted {sourcePredicted:F3} ms, measured {sourceMeasured:F3} ms; {model.BlocksMeasured} blocks measured"));
        return (plan, check);

        string Relative(LatencyAttempt a) => a.RatioToReference is { } r
            ? string.Create(CultureInfo.InvariantCulture, $" ({r:F3} x uniform alpha {Options.TargetLatencyOfAlpha} in {PairedRounds} alternating rounds)")
            : "";
    }

    /// <summary>
    /// Searches re-run with a corrected prediction after the first (<see cref="BudgetCorrection"/>). Seven: a search costs a
    /// few seconds (eight paired rounds of two whole networks, and the blocks its plan adds to the table), and with three
    /// the search ran out short of the budget when measured time stepped up between two plans (session 29, seed 11: kept
    /// 0.904 x uniform); on simulated steps, eight searches end within 5 % of the budget in 237 of 252 cases, four in 122.
    /// </summary>
    public const int MaxLatencyCorrections = 7;

    /// <summary>
    /// Alternating rounds (order swapped each round) in which a candidate is timed against the reference network of
    /// <see cref="PrunePassOptions.TargetLatencyOfAlpha"/>. Eight: both orders four times, so a steady drift cancels, and
    /// enough rounds that the median ratio (<see cref="PairedLatency.Ratio"/>) ignores the few that straddle a switch of
    /// the machine's speed (four did not: one such round moved the result by 14 %). Each round times both networks whole
    /// (300 runs each; at 32x32 about 0.2 s a round on a 2-core x86 VM).
    /// </summary>
    public const int PairedRounds = 8;

    /// <summary>
    /// One searched plan: the correction its search used, its table prediction, its measured whole-network latency
    /// and, with a relative budget, its latency over the reference network's measured in the same rounds.
    /// </summary>
    private sealed record LatencyAttempt(IReadOnlyList<int> Plan, double Correction, double PredictedMs, double MeasuredMs, long Macs, double? RatioToReference);

    /// <summary>How far above the latency budget the whole measured network may be and still meet it (5 %).</summary>
    public const double LatencyTolerance = 0.05;

    /// <summary>The uniform alpha whose plan a step's plan may be (its nominal width rounded to 1/64).</summary>
    private static double NominalUniformAlpha(IReadOnlyList<int> plan) => Math.Round(MobileNetV1.NominalAlpha(plan) * 64) / 64;

    private static void WriteReport(string outputFolder, object report)
    {
        AtomicFile.WriteAllText(Path.Combine(outputFolder, ReportFile), JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true }));
    }

    /// <summary>", accuracy right after the cut X (with BatchNorm recalibration Y)" for progress lines and the CLI.</summary>
    public static string Describe(PrunedNetwork pruned)
    {
        ArgumentNullException.ThrowIfNull(pruned);
        var text = new System.Text.StringBuilder();
        if (pruned.AccuracyAfterCut is { } a) text.Append(CultureInfo.InvariantCulture, $", accuracy right after the cut {a:P2}");
        if (pruned.AccuracyRecalibrated is { } r) text.Append(CultureInfo.InvariantCulture, $", with BatchNorm recalibration {r:P2}");
        return text.ToString();
    }

    /// <summary>The progress line of a <see cref="UniformCheck"/>: every plan's held-out accuracy after the cut, and which was kept.</summary>
    private static string Describe(UniformCheckResult check, double uniformAlpha, HeldOutSlice slice)
    {
        var c = CultureInfo.InvariantCulture;
        string how = slice.AdaptationBatches > 0 ? string.Create(c, $"{slice.AdaptationBatches} adaptation batches") : "BatchNorm recalibrated";
        string plans = string.Concat(check.Candidates.Select(p => string.Create(c, $", plan {string.Join(",", p.Plan)} {p.HeldOutAccuracy:P2}")));
        string kept = check.KeptUniform ? string.Create(c, $"no plan scored as well: uniform alpha {uniformAlpha} kept") : $"plan {string.Join(",", check.Kept)} kept";
        return string.Create(c, $"prune: checked against uniform alpha {uniformAlpha} on {slice.HeldOut.Count} held-out images after the cut ({how}): uniform {check.UniformAccuracy:P2}{plans}; {kept}");
    }
}
