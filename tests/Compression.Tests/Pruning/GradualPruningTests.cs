using EdgeToolkit.Compression.Passes;
using EdgeToolkit.Compression.Pruning;
using EdgeToolkit.Compression.Quantization;
using EdgeToolkit.Compression.Tests.Evaluation;
using EdgeToolkit.Compression.Tests.Export;
using EdgeToolkit.ModelBundle;
using EdgeToolkit.Training.Models;
using EdgeToolkit.Training.Native;
using EdgeToolkit.Training.Training;
using TorchSharp;

namespace EdgeToolkit.Compression.Tests.Pruning;

public sealed class GradualPruningTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("gradual-pruning-tests-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private static long Macs(IReadOnlyList<int> plan) => MobileNetV1.Macs(plan, 1, 32, 10);

    [Theory]
    [InlineData(1.0, 32)]
    [InlineData(0.5, 32)]
    [InlineData(0.25, 16)]
    [InlineData(1.0, 224)]
    public void Analytic_MACs_equal_the_counted_MACs(double alpha, int size)
    {
        using var model = new MobileNetV1(10, alpha, 1, size);
        Assert.Equal(ModelComplexity.Measure(model, 1, size, size).Macs, MobileNetV1.Macs(model.ChannelPlan, 1, size, 10));
    }

    [Fact]
    public void Even_channel_steps_of_a_uniform_target_are_the_uniform_plans_of_the_intermediate_alphas()
    {
        var plans = new PruningSchedule(4).Plans(MobileNetV1.Channels(1.0), 1.0, MobileNetV1.Channels(0.5), 0.5, Macs);
        Assert.Equal([0.875, 0.75, 0.625, 0.5], plans.Select(p => MobileNetV1.NominalAlpha(p)).Select(a => Math.Round(a * 8) / 8));
        Assert.Equal(MobileNetV1.Channels(0.75), plans[1]);
        Assert.Equal(MobileNetV1.Channels(0.5), plans[^1]);
    }

    [Fact]
    public void Even_MAC_steps_remove_about_the_same_MACs_each_and_never_grow_a_layer()
    {
        var source = MobileNetV1.Channels(1.0);
        var target = MobileNetV1.Channels(0.5);
        var plans = new PruningSchedule(4, Unit: ScheduleUnit.Macs).Plans(source, 1.0, target, 0.5, Macs);
        Assert.Equal(4, plans.Count);
        double step = (Macs(source) - Macs(target)) / 4.0;
        var previous = source;
        for (int k = 0; k < plans.Count; k++)
        {
            Assert.All(plans[k].Zip(previous), p => Assert.True(p.First <= p.Second));
            Assert.InRange(Macs(plans[k]), Macs(source) - step * (k + 1) - step * 0.05, Macs(source) - step * (k + 1) + step * 0.05);
            previous = plans[k];
        }
    }

    [Theory]
    [InlineData(0, null, "steps")]
    [InlineData(99, null, "steps")]
    [InlineData(1, new[] { 0.75, 0.8 }, "schedule[1]")]
    [InlineData(1, new[] { 1.5 }, "schedule[0]")]
    [InlineData(2, new[] { 0.75, 0.6 }, "steps 2 contradicts schedule")]
    public void Bad_schedules_are_refused_naming_the_field(int steps, double[]? widths, string expected)
    {
        var e = Assert.Throws<ArgumentException>(() => new PruningSchedule(steps, widths).Validate());
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_width_outside_source_and_target_is_refused_naming_it()
    {
        var e = Assert.Throws<ArgumentException>(() => new PruningSchedule(1, [0.875, 0.4]).Plans(MobileNetV1.Channels(1.0), 1.0, MobileNetV1.Channels(0.5), 0.5, Macs));
        Assert.Contains("schedule[1] (0.4)", e.Message, StringComparison.Ordinal);
    }

    public static TheoryData<string, string> BadPruneOptions => new()
    {
        { """{ "steps": 0 }""", "passes[1].options.steps must be in [1, 32] but is 0" },
        { """{ "schedule": [0.75, 0.8] }""", "passes[1].options.schedule schedule[1] (0.8) must be below schedule[0] (0.75)" },
        { """{ "schedule": [0.75, "x"] }""", "passes[1].options.schedule[1] must be a number" },
        { """{ "schedule": [] }""", "passes[1].options.schedule must list at least one" },
        { """{ "scheduleUnit": "flops" }""", "passes[1].options.scheduleUnit 'flops' is not one of channels, macs" },
        { """{ "stepEpochs": 1 }""", "passes[1].options.stepEpochs applies only to a gradual schedule" },
        { """{ "plan": "random" }""", "passes[1].options.plan 'random' is not one of uniform, sensitivity, slimming" },
        { """{ "importance": "l2" }""", "passes[1].options.importance 'l2' is not one of l1, bn, taylor" },
        { """{ "plan": "sensitivity", "minChannels": 0 }""", "passes[1].options.minChannels must be in [1, 100000] but is 0" },
        { """{ "targetLatencyOfAlpha": 0.5 }""", "passes[1].options.targetLatencyOfAlpha needs plan: sensitivity" },
        { """{ "plan": "sensitivity", "targetLatencyOfAlpha": 0.5, "targetLatencyMs": 1 }""", "passes[1].options.targetLatencyOfAlpha is 0.5 and targetLatencyMs is 1: give one latency budget, not both" },
        { """{ "plan": "sensitivity", "targetLatencyOfAlpha": 1.5 }""", "passes[1].options.targetLatencyOfAlpha must be in [0, 1] but is 1.5" },
        { """{ "minChannels": 16 }""", "passes[1].options.minChannels is 16 but applies only to a per-layer plan (plan: sensitivity or slimming" },
        { """{ "plan": "sensitivity", "channelStep": -8 }""", "passes[1].options.channelStep must be in [0, 100000] but is -8" },
        { """{ "plan": "slimming", "channelStep": 16 }""", "passes[1].options.channelStep is 16 but applies only to a searched plan (plan: sensitivity" },
        { """{ "sensitivityBatches": 20 }""", "passes[1].options.sensitivityBatches is 20 but applies only to the sensitivity analysis (plan: sensitivity or sensitivity: true" },
        { """{ "plan": "sensitivity", "sensitivityBatches": -1 }""", "passes[1].options.sensitivityBatches must be in [0, 1000000] but is -1" },
        { """{ "uniformCheck": false }""", "passes[1].options.uniformCheck is false but applies only to a searched plan (plan: sensitivity" },
        { """{ "plan": "sensitivity", "uniformCheck": "no" }""", "passes[1].options.uniformCheck" },
    };

    [Theory]
    [MemberData(nameof(BadPruneOptions))]
    public void Bad_prune_options_in_a_recipe_are_refused_naming_the_field(string options, string expected)
    {
        string json = $$"""{ "name": "t", "dataset": { "name": "embedded" }, "matrix": { "architectures": ["mobilenet_v1"], "alphas": [1.0, 0.5] }, "passes": [ { "name": "train" }, { "name": "prune", "options": {{options}} } ] }""";
        var e = Assert.Throws<RecipeException>(() => RecipeLoader.Parse(json, "recipe.json"));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Gradual_recipe_options_are_read()
    {
        string json = """{ "name": "t", "dataset": { "name": "embedded" }, "matrix": { "architectures": ["mobilenet_v1"], "alphas": [1.0, 0.5] }, "passes": [ { "name": "train" }, { "name": "prune", "options": { "steps": 4, "scheduleUnit": "macs", "stepEpochs": 1, "stepBatches": 5, "importance": "taylor", "plan": "sensitivity", "minChannels": 16, "channelStep": 16, "sensitivityBatches": 20, "uniformCheck": false } } ] }""";
        var o = ((PrunePass)RecipeLoader.Parse(json, "recipe.json").Passes[1]).Options;
        Assert.Equal(new PruningSchedule(4, null, ScheduleUnit.Macs), o.Schedule);
        Assert.Equal(1, o.StepFineTune!.Epochs);
        Assert.Equal(5, o.StepFineTune.MaxBatchesPerEpoch);
        Assert.Equal(ChannelImportance.Taylor, o.Cut.Importance);
        Assert.Equal(WidthPlanChoice.Sensitivity, o.Plan);
        Assert.Equal(16, o.MinChannels);
        Assert.Equal(16, o.ChannelStep);
        Assert.Equal(20, o.SensitivityBatches);
        Assert.False(o.UniformCheck);
        Assert.True(new PrunePassOptions().UniformCheck); // on unless turned off
    }

    [Fact]
    public void Search_meets_a_budget_on_a_synthetic_latency_table_and_cuts_the_cheapest_layers_first()
    {
        // Synthetic per-layer latency: layer l costs weight[l] * in * out microseconds; layers 0-6 are
        // very sensitive (any cut costs accuracy), layers 7-13 are free to cut.
        var source = MobileNetV1.Channels(1.0);
        double[] weight = [.. Enumerable.Range(0, 14).Select(l => 0.001 * (1 + l % 3))];
        double Latency(IReadOnlyList<int> p) => Enumerable.Range(0, 14).Sum(l => weight[l] * (l == 0 ? 1 : p[l - 1]) * p[l]);
        double Drop(int layer, double kept) => layer < 7 ? (1 - kept) * 0.5 : (1 - kept) * 0.001;
        double budget = Latency(source) * 0.6;

        var plan = WidthSearch.Search(source, Latency, budget, Drop, "targetLatencyMs");

        Assert.True(Latency(plan) <= budget, $"{Latency(plan)} > {budget}");
        Assert.True(Latency(plan) > budget * 0.95, "the search stops as soon as the budget is met");
        Assert.All(plan.Zip(source), p => Assert.True(p.First <= p.Second && p.First >= 8));
        Assert.Equal(source.Take(6), plan.Take(6)); // the sensitive early layers are left alone
    }

    [Fact]
    public void Sensitivity_is_measured_beyond_a_deep_uniform_target()
    {
        Assert.Equal([0.25, 0.5, 0.75], SensitivityAnalysis.RatiosFor(0.5)); // alpha 1.0 -> 0.5
        Assert.Equal([0.25, 0.5, 0.75, 0.875], SensitivityAnalysis.RatiosFor(0.75)); // -> 0.25
        Assert.Equal([0.25, 0.5, 0.75, 0.9375], SensitivityAnalysis.RatiosFor(0.875)); // -> 0.125
    }

    [Fact]
    public void A_feasible_plan_lets_the_search_go_on_when_the_narrowest_plan_costs_more_than_wider_ones()
    {
        // A latency-like cost where a layer of 8 channels costs more than one of 16 (blocked convolutions on AVX-512):
        // the narrowest plan is over the budget, uniform alpha 0.25 (the feasible plan) is within it.
        var source = MobileNetV1.Channels(1.0);
        var quarter = MobileNetV1.Channels(0.25);
        double Cost(IReadOnlyList<int> p) => p.Sum(c => c == 8 ? 200.0 : c);
        double Drop(int layer, double kept) => (1 - kept) * (layer + 1);
        double budget = Cost(quarter);
        Assert.True(Cost(Enumerable.Repeat(8, 14).ToArray()) > budget, "the premise: the narrowest plan costs more than the budget");

        var e = Assert.Throws<ArgumentException>(() => WidthSearch.Search(source, Cost, budget, Drop, "targetLatencyOfAlpha"));
        Assert.Contains("the narrowest plan (8 channels a layer, minChannels)", e.Message, StringComparison.Ordinal);
        var plan = WidthSearch.Search(source, Cost, budget, Drop, "targetLatencyOfAlpha", feasible: quarter);

        Assert.True(Cost(plan) <= budget, $"{Cost(plan)} > {budget}");
        Assert.All(plan.Zip(source), p => Assert.True(p.First <= p.Second && p.First >= 8));
        // No plan at all within a budget below every plan but the feasible one's cost: the feasible plan comes back.
        Assert.Equal(quarter, WidthSearch.Search(source, p => p.SequenceEqual(quarter) ? 1 : 2, 1, Drop, "x", feasible: quarter));
        // A "feasible" plan over the budget does not count.
        Assert.Throws<ArgumentException>(() => WidthSearch.Search(source, Cost, 1, Drop, "x", feasible: quarter));
    }

    [Fact]
    public void Min_channels_keeps_every_layer_at_least_that_wide()
    {
        // The stem (layer 0) is free to cut, every other layer costs accuracy: the default floor (8) takes the stem
        // down to 8 channels; with minChannels 16 no layer goes below 16 and the budget is met elsewhere.
        var source = MobileNetV1.Channels(1.0);
        double Drop(int layer, double kept) => layer == 0 ? 0 : (1 - kept) * 0.01;
        long budget = Macs(source) * 7 / 10;

        var free = WidthSearch.Search(source, p => Macs(p), budget, Drop, "targetMacs");
        var floored = WidthSearch.Search(source, p => Macs(p), budget, Drop, "targetMacs", minChannels: 16);

        Assert.Equal(8, free[0]);
        Assert.Equal(16, floored[0]);
        Assert.All(floored, c => Assert.True(c >= 16, string.Join(",", floored)));
        Assert.True(Macs(floored) <= budget);
        var e = Assert.Throws<ArgumentException>(() => WidthSearch.Search(source, p => Macs(p), Macs(Enumerable.Repeat(16, 14).ToArray()) - 1, Drop, "targetMacs", minChannels: 16));
        Assert.Contains("the narrowest plan (16 channels a layer, minChannels)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_channel_step_of_16_keeps_every_searched_width_on_a_multiple_of_16()
    {
        // A cost shaped like session 34's int8 table on AVX-512: a layer of 24, 40, 56... channels costs 1.5x the next
        // multiple of 16, so from a multiple of 16 no step of 8 saves anything and the greedy falls back to the least
        // harmful layer whatever it costs. With steps of 16 every step saves, and the plan stays on the kernels' blocks.
        var source = MobileNetV1.Channels(1.0);
        double Width(int c) => c % 16 == 0 ? c : 1.5 * (c + 8);
        double Cost(IReadOnlyList<int> p) => Enumerable.Range(0, p.Count).Sum(l => Width(p[l]) * (l == 0 ? 3 : Width(p[l - 1])));
        double Drop(int layer, double kept) => (1 - kept) * (layer % 4 + 1) * 0.01;
        double budget = Cost(source) * 0.3;

        var eights = WidthSearch.Search(source, Cost, budget, Drop, "targetLatencyMs");
        var sixteens = WidthSearch.Search(source, Cost, budget, Drop, "targetLatencyMs", step: 16);

        Assert.True(Cost(sixteens) <= budget, $"{Cost(sixteens)} > {budget}");
        Assert.All(sixteens, c => Assert.True(c % 16 == 0 || c == 8, string.Join(",", sixteens)));
        double Harm(IReadOnlyList<int> p) => Enumerable.Range(0, p.Count).Sum(l => Drop(l, p[l] / (double)source[l]));
        Assert.True(Harm(sixteens) < Harm(eights), $"steps of 16: {Harm(sixteens)} ({string.Join(",", sixteens)}); of 8: {Harm(eights)} ({string.Join(",", eights)})");
        Assert.Throws<ArgumentOutOfRangeException>(() => WidthSearch.Search(source, Cost, budget, Drop, "x", step: 0));
    }

    [Theory]
    [InlineData(Precision.Int8, QuantizationTarget.X64Vnni, 0, 16)]
    [InlineData(Precision.Int8, QuantizationTarget.X64, 0, 8)]
    [InlineData(Precision.Int8, QuantizationTarget.Arm64DotProduct, 0, 8)]
    [InlineData(Precision.Int8, QuantizationTarget.Arm64, 0, 8)]
    [InlineData(Precision.Fp32, QuantizationTarget.Host, 0, 8)]
    [InlineData(Precision.Int8, QuantizationTarget.X64Vnni, 8, 8)]
    [InlineData(Precision.Fp32, QuantizationTarget.Host, 32, 32)]
    public void The_search_step_is_16_for_an_int8_table_of_an_x86_vnni_cpu_unless_set(Precision precision, QuantizationTarget target, int channelStep, int expected)
    {
        var o = new PrunePassOptions
        {
            Plan = WidthPlanChoice.Sensitivity, TargetLatencyOfAlpha = 0.25, LatencyPrecision = precision, LatencyTarget = target, ChannelStep = channelStep,
        }.Validate();
        Assert.Equal(expected, o.SearchStep);
    }

    [Fact]
    public void The_search_cuts_no_layer_deeper_than_the_sensitivity_analysis_measured()
    {
        // Session 16: layers 8-11 (512 channels) cost little up to the deepest measured cut (87.5 %); beyond it the drop
        // is only a straight line to chance, and an unfloored latency search took them to 8 channels (the plan lost 4
        // points against uniform). With the measured floor no layer goes below 12.5 % of its width.
        var source = MobileNetV1.Channels(1.0);
        double[] ratios = [0.25, 0.5, 0.75, 0.875];
        var report = new SensitivityReport(0.8, 2000, 128, "Taylor", [.. source.Select((c, l) => new LayerSensitivity($"features.{l}", c, ratios,
            l is >= 8 and <= 11 ? [0.8, 0.8, 0.8, 0.79] : [0.79, 0.77, 0.74, 0.70]))]);

        var floor = report.MeasuredFloor(WidthSearch.Granularity);
        Assert.Equal([8, 8, 16, 16, 32, 32, 64, 64, 64, 64, 64, 64, 128, 128], floor);

        long budget = Macs(MobileNetV1.Channels(0.25));
        var floored = WidthSearch.Search(source, p => Macs(p), budget, report.Drop, "targetMacs", floor: floor);
        Assert.All(floored.Zip(floor), p => Assert.True(p.First >= p.Second, string.Join(",", floored)));
        Assert.True(Macs(floored) <= budget);

        // A budget below the floor's cost: without the floor the search goes below what was measured; with it, refused.
        long tight = Macs(floor) - 1;
        var free = WidthSearch.Search(source, p => Macs(p), tight, report.Drop, "targetMacs");
        Assert.Contains(free.Zip(floor), p => p.First < p.Second);
        var e = Assert.Throws<ArgumentException>(() => WidthSearch.Search(source, p => Macs(p), tight, report.Drop, "targetMacs", floor: floor));
        Assert.Contains("the sensitivity analysis's deepest measured cut", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unreachable_budget_is_refused_naming_the_setting()
    {
        var e = Assert.Throws<ArgumentException>(() => WidthSearch.Search(MobileNetV1.Channels(1.0), p => Macs(p), 10, (_, _) => 0, "targetMacs"));
        Assert.StartsWith("targetMacs: 10 cannot be met", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Sensitivity_drop_interpolates_the_measured_points_and_is_monotone()
    {
        var report = new SensitivityReport(0.9, 100, 64, "L1Norm",
            [new LayerSensitivity("features.0", 32, [0.25, 0.5, 0.75], [0.9, 0.95, 0.5])]);
        Assert.Equal(0, report.Drop(0, 1.0), 6);
        Assert.Equal(0, report.Drop(0, 0.5), 6); // 0.95 > baseline: no negative drop
        Assert.Equal(0.2, report.Drop(0, 0.375), 6); // halfway between 0 (at 50 %) and 0.4 (at 75 %)
        Assert.Equal(0.9, report.Drop(0, 0.0), 6);
        string path = report.Write(dir);
        Assert.Equal(report.Baseline, SensitivityReport.Read(path).Baseline);
        Assert.Contains("\"layers\"", File.ReadAllText(path), StringComparison.Ordinal);
    }

    [Fact]
    public void Sensitivity_report_says_which_layers_it_can_tell_from_noise()
    {
        // Session 12's full-set analysis: 93.6 % on 500 held-out images (standard error 1.1 points); only the last
        // layer falls clearly, the other 13 move by less than 2 standard errors (one even rises).
        static LayerSensitivity Row(int l, params double[] accuracy) => new($"features.{l}", 64, [0.25, 0.5, 0.75], accuracy);
        var rows = Enumerable.Range(0, 13).Select(l => Row(l, 0.93, 0.926, 0.92 + (l % 2) * 0.018)).Append(Row(13, 0.928, 0.826, 0.82)).ToList();
        var noisy = new SensitivityReport(0.936, 500, 128, "Taylor", rows);

        Assert.Equal(Math.Sqrt(0.936 * 0.064 / 500), noisy.StandardError, 9);
        Assert.Equal(1, noisy.LayersAboveNoise);
        string line = noisy.NoiseSummary("--sensitivity-images");
        Assert.Contains("baseline 93.6% on 500 held-out images (standard error 1.1 points); 1 of 14 layers lose more than 2 standard errors", line.Replace(" %", "%", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Contains("warning: the other layers cannot be ranked", line, StringComparison.Ordinal);
        Assert.Contains("with --sensitivity-images at 2000 the standard error would halve", line, StringComparison.Ordinal);

        // The same drops measured on 8,000 images (standard error 0.27 points) stand out in every layer: no warning.
        var clear = noisy with { HeldOutImages = 8000 };
        Assert.Equal(14, clear.LayersAboveNoise);
        Assert.DoesNotContain("warning", clear.NoiseSummary("--sensitivity-images"), StringComparison.Ordinal);

        // Written with the two figures, and read back (they are derived, not stored state).
        string path = noisy.Write(dir);
        Assert.Contains("\"standardError\"", File.ReadAllText(path), StringComparison.Ordinal);
        Assert.Contains("\"layersAboveNoise\": 1", File.ReadAllText(path), StringComparison.Ordinal);
        Assert.Equal(1, SensitivityReport.Read(path).LayersAboveNoise);
    }

    /// <summary>A saved alpha 1.0 MobileNet (seed 5, 16x16 grey, untrained) as the train pass's output, and fixed data.</summary>
    private (Artefact Input, FixedData Data) WideCheckpoint()
    {
        var spec = new ModelSpec("mobilenet_v1", 10, 1, 16, 1.0) { Mean = [0.5f], Std = [0.25f] };
        string trained = Path.Combine(dir, "train");
        using (var model = ModelFactory.Create(spec))
        using (var generator = new torch.Generator(5))
        {
            // Not the process-wide generator, which test classes running in parallel draw from too.
            ExportTestModels.DrawWeights(model, generator);
            Checkpoint.Save(trained, model, spec, null);
        }
        var input = new Artefact(ArtefactKind.Checkpoint, trained, "mobilenet_v1", 1.0, Precision.Fp32) { CheckpointFolder = trained }.After("train");
        return (input, new FixedData(EvaluationTestData.Grey28(96), EvaluationTestData.Grey28(32, seed: 9)));
    }

    [Fact]
    public void Gradual_pass_with_a_sensitivity_plan_records_every_step_and_meets_the_MAC_budget()
    {
        var (input, data) = WideCheckpoint();
        var context = new PassContext(data, new ModelVariant("mobilenet_v1", 0.5, Precision.Fp32));
        var pass = new PrunePass(new PrunePassOptions
        {
            Cut = new WidthCutOptions { RecalibrationImages = 32 },
            Schedule = new PruningSchedule(2),
            StepFineTune = new EdgeToolkit.Compression.Distillation.FineTuneOptions { Epochs = 1, MaxBatchesPerEpoch = 1, BatchSize = 16 },
            Plan = WidthPlanChoice.Sensitivity,
            SensitivityImages = 32,
            MinChannels = 16,
        });

        var pruned = pass.Run(input, Path.Combine(dir, "prune"), context);

        var (prunedSpec, _) = Checkpoint.ReadSpec(pruned.Folder);
        long budget = MobileNetV1.Macs(MobileNetV1.Channels(0.5), 1, 16, 10);
        var prunedPlan = prunedSpec.ChannelPlan ?? MobileNetV1.Channels(prunedSpec.Alpha);
        Assert.True(MobileNetV1.Macs(prunedPlan, 1, 16, 10) <= budget);
        Assert.All(prunedPlan, c => Assert.True(c >= 16, string.Join(",", prunedPlan)));
        using var report = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "prune", PrunePass.ReportFile)));
        Assert.Equal(16, report.RootElement.GetProperty("minChannels").GetInt32());
        var steps = report.RootElement.GetProperty("steps");
        Assert.Equal(2, steps.GetArrayLength());
        Assert.True(steps[0].TryGetProperty("AccuracyAfterFineTune", out _) || steps[0].TryGetProperty("accuracyAfterFineTune", out _));
        Assert.True(pruned.Measurements.ContainsKey(MeasurementNames.RecalibratedAccuracy));
        Assert.True(pruned.Measurements.ContainsKey(MeasurementNames.PrunedAccuracy));
        var sensitivity = SensitivityReport.Read(Path.Combine(dir, "prune", SensitivityReport.FileName));
        Assert.Equal(14, sensitivity.Layers.Count);
        Assert.All(sensitivity.Layers, l => Assert.Equal(3, l.Accuracy.Count));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_searched_plan_is_checked_against_uniform_width_on_the_held_out_slice_and_the_better_one_is_kept(bool check)
    {
        var (input, data) = WideCheckpoint();
        var lines = new List<string>();
        var context = new PassContext(data, new ModelVariant("mobilenet_v1", 0.5, Precision.Fp32), new ProgressLines(lines)) { Seed = 3 };
        var options = new PrunePassOptions
        {
            Cut = new WidthCutOptions { RecalibrationImages = 32 },
            Plan = WidthPlanChoice.Sensitivity,
            SensitivityImages = 40,
            MinChannels = 16,
            UniformCheck = check,
            Evaluate = false,
        }.Validate();

        var pruned = new PrunePass(options).Run(input, Path.Combine(dir, "prune"), context);

        using var report = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "prune", PrunePass.ReportFile)));
        var kept = report.RootElement.GetProperty("channelPlan").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        Assert.Equal(kept, Checkpoint.ReadSpec(pruned.Folder).Spec.ChannelPlan ?? MobileNetV1.Channels(0.5));
        if (!check)
        {
            Assert.Equal(System.Text.Json.JsonValueKind.Null, report.RootElement.GetProperty("uniformCheck").ValueKind);
            Assert.DoesNotContain(lines, l => l.Contains("checked against uniform", StringComparison.Ordinal));
            return;
        }
        var c = report.RootElement.GetProperty("uniformCheck");
        var uniform = c.GetProperty("uniformPlan").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        Assert.Equal(MobileNetV1.Channels(0.5), uniform);
        var candidate = c.GetProperty("candidates")[0];
        var searched = candidate.GetProperty("channelPlan").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        Assert.NotEqual(uniform, searched); // the search found a per-layer plan to check
        // The figures are the slice's: the same cuts measured again on a slice made the same way.
        using (var checkpoint = Checkpoint.Load(input.Folder))
        {
            var slice = HeldOutSlice.Create((MobileNetV1)checkpoint.Model, checkpoint.Spec, data.Train, options.Cut with { Seed = 3 }, 40);
            Assert.Equal(slice.Accuracy(uniform), c.GetProperty("uniformHeldOutAccuracy").GetDouble(), 1e-9);
            Assert.Equal(slice.Accuracy(searched), candidate.GetProperty("heldOutAccuracy").GetDouble(), 1e-9);
        }
        // And the better one was kept (a tie keeps the plan).
        bool plainWins = candidate.GetProperty("heldOutAccuracy").GetDouble() >= c.GetProperty("uniformHeldOutAccuracy").GetDouble();
        Assert.Equal(!plainWins, c.GetProperty("keptUniform").GetBoolean());
        Assert.Equal(plainWins ? searched : uniform, kept);
        Assert.Contains(lines, l => l.StartsWith("prune: checked against uniform alpha 0.5 on 40 held-out images", StringComparison.Ordinal)
            && l.EndsWith(plainWins ? $"plan {string.Join(",", searched)} kept" : "uniform alpha 0.5 kept", StringComparison.Ordinal));
    }

    [Fact]
    public void The_uniform_check_keeps_the_first_candidate_scoring_at_least_uniform_and_measures_no_further()
    {
        int[] uniform = [8, 8], a = [16, 4], b = [4, 16], c = [12, 6];
        var scores = new Dictionary<string, double> { ["8,8"] = 0.40, ["16,4"] = 0.30, ["4,16"] = 0.40, ["12,6"] = 0.90 };
        var measured = new List<string>();
        double Accuracy(IReadOnlyList<int> p)
        {
            string key = string.Join(",", p);
            measured.Add(key);
            return scores[key];
        }

        var result = UniformCheck.Choose([a, b, c], uniform, Accuracy);

        Assert.Equal(b, result.Kept); // a tie with uniform keeps the plan; c, scoring higher, comes after it and is not measured
        Assert.False(result.KeptUniform);
        Assert.Equal(["8,8", "16,4", "4,16"], measured);
        Assert.Equal([0.30, 0.40], result.Candidates.Select(s => s.HeldOutAccuracy));
        Assert.Equal(0.40, result.UniformAccuracy);
    }

    [Fact]
    public void The_uniform_check_keeps_uniform_width_when_no_candidate_scores_as_well_or_there_is_none()
    {
        int[] uniform = [8, 8], a = [16, 4], b = [4, 16];
        var scores = new Dictionary<string, double> { ["8,8"] = 0.50, ["16,4"] = 0.30, ["4,16"] = 0.49 };
        var measured = new List<string>();
        double Accuracy(IReadOnlyList<int> p)
        {
            measured.Add(string.Join(",", p));
            return scores[string.Join(",", p)];
        }

        var lost = UniformCheck.Choose([a, b], uniform, Accuracy);
        Assert.Equal(uniform, lost.Kept);
        Assert.True(lost.KeptUniform);
        Assert.Equal(2, lost.Candidates.Count);

        var none = UniformCheck.Choose([], uniform, Accuracy);
        Assert.Equal(uniform, none.Kept);
        Assert.True(none.KeptUniform);

        // A candidate that is uniform width is not measured twice, and is kept.
        measured.Clear();
        var same = UniformCheck.Choose([new[] { 8, 8 }], uniform, Accuracy);
        Assert.Equal(["8,8"], measured);
        Assert.False(same.KeptUniform);
    }

    [Fact]
    public void The_held_out_slice_measures_a_plan_as_the_sensitivity_analysis_measures_the_same_cut()
    {
        torch.random.manual_seed(7);
        var spec = new ModelSpec("mobilenet_v1", 10, 1, 16, 0.25) { Mean = [0.5f], Std = [0.25f] };
        using var source = (MobileNetV1)ModelFactory.Create(spec);
        var train = EvaluationTestData.Grey28(160);
        var slice = HeldOutSlice.Create(source, spec, train, new WidthCutOptions { RecalibrationImages = 32, Seed = 4 }, 48);

        var report = SensitivityAnalysis.Run(slice, [0.5]);
        var plan = source.ChannelPlan.ToArray();
        plan[3] /= 2;

        Assert.Equal(report.Layers[3].Accuracy[0], slice.Accuracy(plan));
        Assert.Equal((48, 112), (slice.HeldOut.Count, slice.Rest.Count));
        // The slice is the one SensitivityAnalysis.Run makes from the same settings.
        Assert.Equal(report.Layers.Select(l => l.Accuracy[0]), SensitivityAnalysis.Run(source, spec, train, new WidthCutOptions { RecalibrationImages = 32, Seed = 4 }, 48, [0.5]).Layers.Select(l => l.Accuracy[0]));
        var e = Assert.Throws<ArgumentException>(() => HeldOutSlice.Create(source, spec, train, new WidthCutOptions(), 160));
        Assert.StartsWith("sensitivityImages must be in [1, 159]", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_short_fine_tune_after_each_cut_changes_what_the_analysis_measures_and_leaves_the_source_and_no_scratch_folder()
    {
        var spec = new ModelSpec("mobilenet_v1", 10, 1, 16, 0.25) { Mean = [0.5f], Std = [0.25f] };
        using var source = (MobileNetV1)ModelFactory.Create(spec);
        ExportTestModels.DrawWeights(source, seed: 7); // the same model whatever runs beside it
        var before = source.state_dict().ToDictionary(p => p.Key, p => p.Value.clone());
        var train = EvaluationTestData.Grey28(160);
        var cut = new WidthCutOptions { RecalibrationImages = 32 };
        double[] ratios = [0.5];
        string work = Path.Combine(dir, "analysis");
        Directory.CreateDirectory(work);

        var recalibrated = SensitivityAnalysis.Run(source, spec, train, cut, heldOutImages: 48, ratios);
        var adapted = SensitivityAnalysis.Run(source, spec, train, cut, heldOutImages: 48, ratios,
            adaptation: new SensitivityAdaptation(3, work) { LearningRate = 0.2 });

        // The fine-tune ran: some cut measures differently than with recalibration alone (same cuts, same slice).
        Assert.Equal(0, recalibrated.AdaptationBatches);
        Assert.Equal(3, adapted.AdaptationBatches);
        Assert.Equal(recalibrated.Baseline, adapted.Baseline);
        Assert.Contains(Enumerable.Range(0, 14), l => recalibrated.Layers[l].Accuracy[0] != adapted.Layers[l].Accuracy[0]);
        // It fine-tuned copies: the source's weights and BatchNorm statistics are untouched.
        foreach (var (name, tensor) in source.state_dict())
            Assert.True(tensor.equal(before[name]).all().item<bool>(), name);
        // Its scratch checkpoints went to a folder of its own, removed at the end; the folder given is left as it was.
        Assert.Empty(Directory.EnumerateFileSystemEntries(work));
        Assert.Contains("\"adaptationBatches\": 3", File.ReadAllText(adapted.Write(dir)), StringComparison.Ordinal);
        Assert.Equal(3, SensitivityReport.Read(Path.Combine(dir, SensitivityReport.FileName)).AdaptationBatches);
        Assert.Throws<ArgumentException>(() => SensitivityAnalysis.Run(source, spec, train, cut, heldOutImages: 48, ratios,
            adaptation: new SensitivityAdaptation(0, work)));
    }

    /// <summary>A dataset source over generated images (shared with the latency tests).</summary>
    internal sealed class FixedData(EdgeToolkit.Training.Data.ImageDataset train, EdgeToolkit.Training.Data.ImageDataset test) : IDatasetSource
    {
        public string Description => "generated";

        public EdgeToolkit.Training.Data.ImageDataset Train => train;

        public EdgeToolkit.Training.Data.ImageDataset Test => test;
    }
}

public sealed class SlimmingTests
{
    [Fact]
    public void One_global_gamma_threshold_keeps_the_largest_scales_within_the_MAC_budget()
    {
        torch.random.manual_seed(2);
        using var model = new MobileNetV1(10, 1.0, 1, 32);
        var state = model.state_dict();
        using (torch.no_grad())
        {
            // Layer 12 (1024 channels): only 64 channels matter; everything else has a sizeable scale.
            foreach (var (key, t) in state)
            {
                if (key.EndsWith("bn2.weight", StringComparison.Ordinal) || key == "features.0.1.weight") HeldScalars.Fill(t, 1.0);
            }
            var g = state["features.12.bn2.weight"];
            HeldScalars.Fill(g, 1e-4);
            for (int c = 0; c < 64; c++) HeldScalars.Fill(g[c * 16], 2.0);
        }
        long budget = MobileNetV1.Macs(MobileNetV1.Channels(1.0), 1, 32, 10) * 9 / 10;

        var plan = SlimmingPlan.Choose(model, p => MobileNetV1.Macs(p, 1, 32, 10), budget);

        Assert.True(MobileNetV1.Macs(plan, 1, 32, 10) <= budget);
        Assert.Equal(64, plan[12]); // the near-zero scales go first, and only they
        Assert.Equal(MobileNetV1.Channels(1.0).Where((_, l) => l != 12), plan.Where((_, l) => l != 12));
    }

    [Fact]
    public void The_L1_penalty_adds_lambda_times_the_sum_of_gamma_magnitudes()
    {
        using var model = new MobileNetV1(10, 0.25, 1, 16);
        using (torch.no_grad())
        {
            foreach (var n in model.modules().OfType<TorchSharp.Modules.BatchNorm>()) HeldScalars.Fill(n.weight!, -0.5);
        }
        int channels = model.modules().OfType<TorchSharp.Modules.BatchNorm>().Sum(n => (int)n.weight!.shape[0]);
        var objective = new BatchNormSparsityObjective(new CrossEntropyObjective(), model, 1e-3);
        using var logits = torch.zeros(2, 10);
        using var targets = torch.tensor(new long[] { 1, 2 });
        using var images = torch.zeros(2, 1, 16, 16);
        using var loss = objective.Loss(logits, images, targets);
        Assert.Equal(Math.Log(10) + 1e-3 * 0.5 * channels, loss.item<float>(), 4);
        Assert.Contains("BatchNorm L1 0.001", objective.Description, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new BatchNormSparsityObjective(new CrossEntropyObjective(), model, 0));
    }
}
