using System.Text.Json;
using EdgeToolkit.Compression.Export;
using EdgeToolkit.Compression.Passes;
using EdgeToolkit.Compression.Pruning;
using EdgeToolkit.Compression.Pruning.Latency;
using EdgeToolkit.Compression.Quantization;
using EdgeToolkit.Compression.Tests.Evaluation;
using EdgeToolkit.Compression.Tests.Export;
using EdgeToolkit.ModelBundle;
using EdgeToolkit.ModelBundle.Runtime;
using EdgeToolkit.Training.Models;
using EdgeToolkit.Training.Training;
using TorchSharp;

namespace EdgeToolkit.Compression.Tests.Pruning;

public sealed class LatencyTableTests(Xunit.Abstractions.ITestOutputHelper output) : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("latency-table-tests-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private static IReadOnlyList<int> Quarter => MobileNetV1.Channels(0.25);

    [Fact]
    public void Blocks_follow_the_network_geometry_and_equal_geometry_shares_a_key()
    {
        var blocks = LayerBlock.Of(Quarter, 1, 16, 10);

        Assert.Equal(15, blocks.Count); // stem + 13 layers + head
        Assert.Equal(new LayerBlock(LayerBlockKind.Stem, 1, 8, 16, 1), blocks[0]);
        Assert.Equal(new LayerBlock(LayerBlockKind.Separable, 8, 16, 16, 1), blocks[1]);
        Assert.Equal(new LayerBlock(LayerBlockKind.Head, 256, 10, 1, 1), blocks[^1]);
        Assert.Equal(1, blocks[^2].OutputSide);
        Assert.Equal(blocks[8].Key, blocks[9].Key); // layers 8 and 9: 128 -> 128 at the same side and stride

        // The tensors between the blocks: each block's output but the head's.
        var boundaries = LayerBlock.BoundariesOf(blocks);
        Assert.Equal(14, boundaries.Count);
        Assert.All(boundaries.Zip(blocks), p => Assert.Equal(LayerBlock.Boundary(p.Second.OutChannels, p.Second.OutputSide), p.First));
        Assert.Equal("boundary/i8/o8/s16/st1", boundaries[0].Key);
        Assert.Equal(16, boundaries[0].OutputSide);
        Assert.Equal("boundary/i256/o256/s1/st1", boundaries[^1].Key);
    }

    [Fact]
    public void Local_table_is_measured_once_per_block_cached_by_fingerprint_and_reused()
    {
        var runner = new LocalLatencyRunner();
        var first = new MobileNetLatencyModel(runner, dir, 1, 16, 10);

        double predicted = first.Predict(Quarter);

        int distinct = LayerBlock.Of(Quarter, 1, 16, 10).Append(LayerBlock.Overhead).DistinctBy(b => b.Key).Count();
        Assert.Equal(distinct, first.BlocksMeasured);
        Assert.True(predicted > 0);
        Assert.Equal(LatencyTable.PathFor(dir, runner.Fingerprint), first.CachePath);
        using (var json = JsonDocument.Parse(File.ReadAllText(first.CachePath)))
        {
            var fingerprint = json.RootElement.GetProperty("fingerprint");
            Assert.Equal(Environment.ProcessorCount, fingerprint.GetProperty("cores").GetInt32());
            Assert.Equal(1, fingerprint.GetProperty("threads").GetInt32());
            Assert.Equal("fp32", fingerprint.GetProperty("precision").GetString());
            Assert.StartsWith("1.", fingerprint.GetProperty("ortVersion").GetString(), StringComparison.Ordinal);
            Assert.False(string.IsNullOrWhiteSpace(fingerprint.GetProperty("cpuModel").GetString()));
            Assert.Equal(distinct, json.RootElement.GetProperty("entries").EnumerateObject().Count());
        }

        var second = new MobileNetLatencyModel(runner, dir, 1, 16, 10);
        Assert.Equal(predicted, second.Predict(Quarter));
        Assert.Equal(0, second.BlocksMeasured);
        Assert.NotEqual(DeviceFingerprint.Local(1).Key, DeviceFingerprint.Local(2).Key);
    }

    [Fact]
    public void An_int8_table_times_quantized_blocks_and_networks_in_a_cache_file_of_its_own()
    {
        var runner = new SizeRunner();
        var int8 = QuantizationOptions.Default with { Target = QuantizationTarget.X64Vnni };
        var fp32Model = new MobileNetLatencyModel(runner, dir, 1, 16, 10);
        var int8Model = new MobileNetLatencyModel(runner, dir, 1, 16, 10, int8: int8);

        double fp32 = fp32Model.Predict(Quarter), quantized = int8Model.Predict(Quarter);

        // Every block the int8 table timed was a QDQ model; the fp32 table's were float. The int8 table also timed the
        // two boundary models of each distinct tensor between blocks, which the fp32 table has no use for.
        var blocks = LayerBlock.Of(Quarter, 1, 16, 10);
        int boundaries = 2 * LayerBlock.BoundariesOf(blocks).DistinctBy(b => b.Key).Count();
        Assert.Equal(fp32Model.BlocksMeasured + boundaries, int8Model.BlocksMeasured);
        Assert.DoesNotContain(fp32Model.Table.Entries.Keys, k => k.StartsWith("boundary/", StringComparison.Ordinal));
        Assert.Equal((fp32Model.BlocksMeasured + int8Model.BlocksMeasured) * MobileNetLatencyModel.DefaultTableRounds, runner.Measured.Count);
        int fp32Timings = fp32Model.BlocksMeasured * MobileNetLatencyModel.DefaultTableRounds;
        Assert.All(runner.Measured.Take(fp32Timings), m => Assert.Equal(0, m.QuantizeNodes));
        // block0 is the overhead block, a lone Relu: nothing to quantize.
        Assert.All(runner.Measured.Skip(fp32Timings).Where(m => m.File != "block0.onnx"), m => Assert.True(m.QuantizeNodes > 0, m.File));
        Assert.NotEqual(fp32, quantized); // the files (weights int8, QDQ nodes) and so the size-times differ
        Assert.Equal("int8 x64-vnni uint8 activations", int8Model.Table.Fingerprint.Precision);
        Assert.Equal(runner.Fingerprint with { Precision = int8Model.Table.Fingerprint.Precision }, int8Model.Table.Fingerprint);
        Assert.NotEqual(fp32Model.CachePath, int8Model.CachePath);
        using (var json = JsonDocument.Parse(File.ReadAllText(int8Model.CachePath)))
            Assert.Equal("int8 x64-vnni uint8 activations", json.RootElement.GetProperty("fingerprint").GetProperty("precision").GetString());
        Assert.Equal("int8 arm64-dot int8 activations", MobileNetLatencyModel.PrecisionOf(int8 with { Target = QuantizationTarget.Arm64DotProduct }));

        // Whole networks too, alone and paired, with the runner of the table's machine (its fingerprint says fp32).
        runner.Measured.Clear();
        int8Model.MeasureWhole(Quarter);
        int8Model.MeasurePaired(MobileNetV1.Channels(0.125), Quarter, rounds: 2);
        Assert.Equal(5, runner.Measured.Count);
        Assert.All(runner.Measured, m => Assert.True(m.QuantizeNodes >= 14, $"{m.File}: {m.QuantizeNodes} QuantizeLinear"));
        var other = new SizeRunner { Fingerprint = runner.Fingerprint with { Cores = 8 } };
        Assert.Throws<ArgumentException>(() => int8Model.MeasureWhole(Quarter, other));

        // Reopened, the int8 table comes from its cache; the fp32 one was not touched by it.
        Assert.Equal(quantized, new MobileNetLatencyModel(runner, dir, 1, 16, 10, int8: int8).Predict(Quarter));
        Assert.Equal(fp32, new MobileNetLatencyModel(runner, dir, 1, 16, 10).Predict(Quarter));
    }

    [Fact]
    public void An_int8_table_on_this_host_runs_the_quantized_blocks_in_onnx_runtime()
    {
        var model = new MobileNetLatencyModel(new LocalLatencyRunner(), dir, 1, 16, 10, tableRounds: 1, int8: QuantizationOptions.Default);

        double predicted = model.Predict(Quarter), whole = model.MeasureWhole(Quarter);

        output.WriteLine($"{model.Table.Fingerprint}: alpha 0.25 at 16x16 predicted {predicted:F4} ms, measured {whole:F4} ms");
        Assert.True(predicted > 0 && whole > 0);
        Assert.StartsWith("int8 x64", model.Table.Fingerprint.Precision, StringComparison.Ordinal);
        Assert.All(model.Table.Entries.Values, t => Assert.True(t > 0));
    }

    [Theory]
    [InlineData(Precision.Fp16, QuantizationTarget.Host, false, "latencyPrecision must be fp32 or int8 but is fp16")]
    [InlineData(Precision.Fp32, QuantizationTarget.Arm64, false, "latencyTarget is arm64 but applies only to an int8 latency table (latencyPrecision: int8; CLI: --latency-precision int8)")]
    [InlineData(Precision.Int8, QuantizationTarget.Host, true, "latencyTarget is host (this machine) but the int8 table is measured on a device: name the device's CPU family (x64, x64-vnni, arm64, arm64-dot; CLI: --latency-target)")]
    public void A_latency_precision_that_cannot_be_measured_is_refused_naming_the_setting(Precision precision, QuantizationTarget target, bool onDevice, string expected)
    {
        var e = Assert.Throws<ArgumentException>(() => PrunePassOptions.LatencyQuantizationOf(precision, target, onDevice));
        Assert.StartsWith(expected, e.Message, StringComparison.Ordinal);
        var options = new PrunePassOptions
        {
            Plan = WidthPlanChoice.Sensitivity, TargetLatencyOfAlpha = 0.5, LatencyPrecision = precision, LatencyTarget = target,
            LatencyRunner = onDevice ? new SizeRunner() : null,
        };
        Assert.StartsWith(expected, Assert.Throws<ArgumentException>(() => options.Validate()).Message, StringComparison.Ordinal);
        Assert.Null(PrunePassOptions.LatencyQuantizationOf(Precision.Fp32, QuantizationTarget.Host, onDevice));
        Assert.Equal(QuantizationTarget.Arm64, PrunePassOptions.LatencyQuantizationOf(Precision.Int8, QuantizationTarget.Arm64, onDevice)!.Target);
    }

    [Fact]
    public void A_recipe_reads_the_latency_precision_and_refuses_int8_without_a_latency_budget()
    {
        string json = """{ "name": "t", "dataset": { "name": "embedded" }, "matrix": { "architectures": ["mobilenet_v1"], "alphas": [1.0, 0.5] }, "passes": [ { "name": "train" }, { "name": "prune", "options": { "latencyPrecision": "int8" } } ] }""";
        var r = Assert.Throws<RecipeException>(() => RecipeLoader.Parse(json, "recipe.json"));
        Assert.StartsWith("recipe.json: passes[1].options.latencyPrecision is int8 but applies only to a latency budget", r.Message, StringComparison.Ordinal);
        var bad = Assert.Throws<RecipeException>(() => RecipeLoader.Parse(json.Replace("\"int8\"", "\"int4\""), "recipe.json"));
        Assert.StartsWith("recipe.json: passes[1].options.latencyPrecision", bad.Message, StringComparison.Ordinal);
        var ok = RecipeLoader.Parse(json.Replace("\"latencyPrecision\": \"int8\"", "\"latencyPrecision\": \"int8\", \"latencyTarget\": \"arm64-dot\", \"targetLatencyOfAlpha\": 0.5, \"plan\": \"sensitivity\""), "recipe.json");
        var options = ((PrunePass)ok.Passes[1]).Options;
        Assert.Equal((Precision.Int8, QuantizationTarget.Arm64DotProduct), (options.LatencyPrecision, options.LatencyTarget));
        Assert.Equal(QuantizationTarget.Arm64DotProduct, options.LatencyQuantization!.Target);
    }

    [Fact]
    public void An_int8_prediction_subtracts_the_ends_of_every_tensor_between_blocks_measured_by_difference()
    {
        var runner = new SizeRunner();
        var model = new MobileNetLatencyModel(runner, dir, 1, 16, 10, int8: QuantizationOptions.Default with { Target = QuantizationTarget.X64Vnni });

        double predicted = model.Predict(Quarter);

        var blocks = LayerBlock.Of(Quarter, 1, 16, 10);
        Assert.Equal(FromTable(model, blocks, LayerBlock.BoundariesOf(blocks)), predicted, 9);
        Assert.Equal(MobileNetLatencyModel.DefaultTableRounds, runner.Calls); // the boundary models were timed in the blocks' passes
    }

    [Fact]
    public void With_the_stem_kept_float_the_stem_block_is_all_float_and_its_output_boundary_is_not_subtracted()
    {
        var runner = new SizeRunner();
        var model = new MobileNetLatencyModel(runner, dir, 1, 16, 10,
            int8: QuantizationOptions.Default with { Target = QuantizationTarget.X64Vnni, FloatLayers = FloatLayers.FirstConv });

        double predicted = model.Predict(Quarter);

        // What the prediction relies on: the stem's block model quantizes nothing (the next block quantizes its output).
        var stem = runner.Measured.First(m => m.File == "block1.onnx"); // block0 is the overhead
        Assert.Equal(0, stem.QuantizeNodes);
        var blocks = LayerBlock.Of(Quarter, 1, 16, 10);
        Assert.Equal(LayerBlockKind.Stem, blocks[0].Kind);
        Assert.Equal(FromTable(model, blocks, LayerBlock.BoundariesOf(blocks).Skip(1)), predicted, 9);
    }

    /// <summary>
    /// An int8 prediction recomputed from the table's entries: the overhead, plus each block less the overhead, less the
    /// ends of each of <paramref name="boundaries"/> (2 x one - two, less the overhead).
    /// </summary>
    private static double FromTable(MobileNetLatencyModel model, IReadOnlyList<LayerBlock> blocks, IEnumerable<LayerBlock> boundaries)
    {
        model.Table.TryGet(LayerBlock.Overhead, out double overhead);
        double Marginal(LayerBlock b) { Assert.True(model.Table.TryGet(b, out double t), b.Key); return t - overhead; }
        return overhead + blocks.Sum(Marginal) - boundaries.Sum(b => Math.Max(0, 2 * Marginal(b) - Marginal(b.TwoLayers)));
    }

    [Fact]
    public void A_boundary_model_passes_its_tensor_through_one_or_two_identity_layers_in_onnx_runtime()
    {
        var boundary = LayerBlock.Boundary(32, 8);
        Assert.Equal(new LayerBlock(LayerBlockKind.BoundaryTwoLayers, 32, 32, 8, 1), boundary.TwoLayers);
        Assert.Throws<InvalidOperationException>(() => LayerBlock.Overhead.TwoLayers);
        var input = new float[32 * 8 * 8];
        for (int i = 0; i < input.Length; i++) input[i] = i % 97 / 50f; // a ReLU output: non-negative
        foreach (var (block, layers) in new[] { (boundary, 1), (boundary.TwoLayers, 2) })
        {
            var proto = LayerBlockModel.Build(block);
            Assert.Equal(layers, proto.Graph.Node.Count(n => n.OpType == "Conv"));
            string path = Path.Combine(dir, block.Kind + ".onnx");
            File.WriteAllBytes(path, Google.Protobuf.MessageExtensions.ToByteArray(proto));
            using var session = new Microsoft.ML.OnnxRuntime.InferenceSession(path);
            using var value = Microsoft.ML.OnnxRuntime.OrtValue.CreateTensorValueFromMemory(input, [1, 32, 8, 8]);
            using var run = new Microsoft.ML.OnnxRuntime.RunOptions();
            using var results = session.Run(run, ["input"], [value], session.OutputNames);
            Assert.Equal(input, results[0].GetTensorDataAsSpan<float>().ToArray());
        }
    }

    [Fact]
    public void Missing_blocks_are_measured_in_one_batch_and_the_prediction_counts_the_overhead_once()
    {
        var runner = new SizeRunner();
        var model = new MobileNetLatencyModel(runner, dir, 1, 16, 10);

        double predicted = model.Predict(Quarter);

        Assert.Equal(MobileNetLatencyModel.DefaultTableRounds, runner.Calls); // one call per pass over the missing blocks
        model.Table.TryGet(LayerBlock.Overhead, out double overhead);
        double sum = LayerBlock.Of(Quarter, 1, 16, 10).Sum(b => { model.Table.TryGet(b, out double t); return t - overhead; });
        Assert.Equal(overhead + sum, predicted, 9);
        model.Predict(Quarter);
        Assert.Equal(MobileNetLatencyModel.DefaultTableRounds, runner.Calls);
    }

    [Fact]
    public void Each_block_keeps_its_fastest_pass_so_a_slow_moment_of_the_machine_does_not_stay_in_the_table()
    {
        int blocks = LayerBlock.Of(Quarter, 1, 16, 10).Append(LayerBlock.Overhead).DistinctBy(b => b.Key).Count();
        // The machine's slow state (1.7x) covers the first half and a bit of the first pass, and the first half of the
        // second (reversed) pass, which times the same blocks last: the middle blocks are slow in two passes of three,
        // so a median of the passes would keep them slow; every block is fast in the third pass.
        var slow = Enumerable.Range(0, blocks / 2 + 1).Concat(Enumerable.Range(blocks, blocks / 2 + 1)).ToHashSet();
        var steady = new MobileNetLatencyModel(new SizeRunner(), Path.Combine(dir, "steady"), 1, 16, 10);
        var onePass = new MobileNetLatencyModel(new SizeRunner { SlowBlockMeasurements = slow }, Path.Combine(dir, "one"), 1, 16, 10, tableRounds: 1);
        var threePasses = new MobileNetLatencyModel(new SizeRunner { SlowBlockMeasurements = slow }, Path.Combine(dir, "three"), 1, 16, 10, tableRounds: 3);

        double expected = steady.Predict(Quarter);

        Assert.Equal(expected, threePasses.Predict(Quarter), 12);
        Assert.Equal(steady.Table.Entries, threePasses.Table.Entries);
        Assert.NotEqual(expected, onePass.Predict(Quarter), 3);
        Assert.Contains(onePass.Table.Entries, e => Math.Abs(e.Value - 1.7 * steady.Table.Entries[e.Key]) < 1e-9);
        Assert.Throws<ArgumentOutOfRangeException>(() => new MobileNetLatencyModel(new SizeRunner(), Path.Combine(dir, "none"), 1, 16, 10, tableRounds: 0));
    }

    [Fact]
    public void Plans_predicted_together_are_timed_in_the_same_passes_so_a_slow_spell_between_them_does_not_skew_one()
    {
        var narrow = Enumerable.Repeat(8, Quarter.Count).ToArray();
        var blocksOf = (IReadOnlyList<int> plan) => LayerBlock.Of(plan, 1, 16, 10);
        int both = blocksOf(Quarter).Concat(blocksOf(narrow)).Append(LayerBlock.Overhead).DistinctBy(b => b.Key).Count();
        // The machine turns slow (1.7x) after one pass over the blocks of both plans, and stays slow.
        var slowAfterOnePass = Enumerable.Range(both, 10 * both).ToHashSet();
        var steady = new MobileNetLatencyModel(new SizeRunner(), Path.Combine(dir, "steady"), 1, 16, 10);
        var together = new MobileNetLatencyModel(new SizeRunner { SlowBlockMeasurements = slowAfterOnePass }, Path.Combine(dir, "together"), 1, 16, 10);
        var oneAfterTheOther = new MobileNetLatencyModel(new SizeRunner { SlowBlockMeasurements = slowAfterOnePass }, Path.Combine(dir, "apart"), 1, 16, 10);

        var expected = steady.Predict([Quarter, narrow]);
        var predicted = together.Predict([Quarter, narrow]);
        double source = oneAfterTheOther.Predict(Quarter), narrowApart = oneAfterTheOther.Predict(narrow);

        Assert.Equal(expected[0], predicted[0], 12);
        Assert.Equal(expected[1], predicted[1], 12);
        Assert.Equal(both, together.BlocksMeasured);
        Assert.Equal(expected[0], source, 12);
        Assert.True(narrowApart > expected[1] * 1.1, $"the premise: the narrow plan's own blocks, timed after the source's passes, all caught the slow state ({narrowApart} against {expected[1]} ms)");
        Assert.Equal(expected[0], steady.Predict(Quarter), 12);
    }

    [Fact]
    public void A_cache_file_of_another_machine_is_refused_naming_the_file()
    {
        var here = DeviceFingerprint.Local(1);
        var other = here with { CpuModel = "Cortex-A72", Cores = 4 };
        string path = new LatencyTable(other).Save(dir);
        File.Move(path, LatencyTable.PathFor(dir, here));

        var e = Assert.Throws<InvalidDataException>(() => LatencyTable.Load(dir, here));
        Assert.Contains(LatencyTable.PathFor(dir, here), e.Message, StringComparison.Ordinal);
        Assert.Contains("Cortex-A72", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Width_search_on_the_measured_table_meets_a_latency_budget()
    {
        // 32x32 inputs: at 16x16 the blocks were so small that per-node costs dominated. The source and the narrowest
        // plan are predicted together, their blocks timed in the same passes: measured one after the other, on a CI
        // machine running other test assemblies beside this one, the narrowest plan was once predicted slower (0.095 ms)
        // than the source (0.083 ms), leaving no budget between them. Measured together, alpha 0.25 (0.076 ms against
        // 0.050 ms here, 1.5x) still lost its premise once in CI (0.077 against 0.087 ms: the narrowest plan's blocks
        // caught a slow state in every pass). The source is alpha 0.5, 3.5x the narrowest plan here (0.177 against
        // 0.050 ms): more than the 1.7x of the slow state of docs/pruning.md. The budget lies between the two.
        var source0 = MobileNetV1.Channels(0.5);
        var model = new MobileNetLatencyModel(new LocalLatencyRunner(), dir, 1, 32, 10);
        var predicted = model.Predict([source0, Enumerable.Repeat(8, source0.Count).ToArray()]);
        double source = predicted[0], narrowest = predicted[1];
        Assert.True(source > narrowest, $"the premise: the source plan ({source} ms) is predicted slower than the narrowest ({narrowest} ms)");
        double budget = narrowest + 0.5 * (source - narrowest);

        var plan = WidthSearch.Search(source0, p => model.Predict(p), budget, (layer, kept) => (1 - kept) * (layer == 0 ? 10 : 1), "targetLatencyMs");

        Assert.True(model.Predict(plan) <= budget, $"predicted {model.Predict(plan)} ms is above the budget {budget} ms");
        Assert.All(plan.Zip(source0), p => Assert.True(p.First <= p.Second));
        Assert.True(model.MeasureWhole(plan) > 0); // the whole network runs; its time is reported, never asserted
        var e = Assert.Throws<ArgumentException>(() => WidthSearch.Search(source0, p => model.Predict(p), 1e-6, (_, _) => 0, "targetLatencyMs"));
        Assert.StartsWith("targetLatencyMs: 1E-06 cannot be met", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Prune_pass_with_a_latency_budget_picks_a_plan_within_it_and_writes_latency_json()
    {
        var (input, data, cache) = QuarterCheckpoint();
        var runner = new SizeRunner();
        double budget = 0.6 * new MobileNetLatencyModel(runner, cache, 1, 16, 10).Predict(Quarter);
        // Without the check against uniform width, which may keep a narrower plan than the widest within the budget.
        var pass = LatencyPrunePass(budget, cache, runner, uniformCheck: false);

        var pruned = pass.Run(input, Path.Combine(dir, "prune"), new PassContext(data, new ModelVariant("mobilenet_v1", 0.125, Precision.Fp32)));

        var plan = Checkpoint.ReadSpec(pruned.Folder).Spec.ChannelPlan ?? MobileNetV1.Channels(0.125);
        using var report = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "prune", PrunePass.LatencyFile)));
        var root = report.RootElement;
        Assert.Equal(budget, root.GetProperty("budgetMs").GetDouble());
        Assert.Equal(plan, root.GetProperty("channelPlan").EnumerateArray().Select(e => e.GetInt32()));
        Assert.True(root.GetProperty("predictedMs").GetDouble() <= budget);
        Assert.True(root.GetProperty("measuredMs").GetDouble() > 0);
        Assert.True(root.GetProperty("source").GetProperty("measuredMs").GetDouble() > root.GetProperty("measuredMs").GetDouble());
        Assert.Equal(runner.Fingerprint.Key, Path.GetFileNameWithoutExtension(root.GetProperty("cacheFile").GetString()));
        Assert.Equal(root.GetProperty("measuredMs").GetDouble() <= budget * 1.05, root.GetProperty("measuredWithinBudget").GetBoolean());
    }

    [Fact]
    public void Prune_pass_with_an_int8_latency_budget_searches_on_quantized_networks_and_says_so_in_latency_json()
    {
        var (input, data, cache) = QuarterCheckpoint();
        var runner = new SizeRunner();
        var int8 = QuantizationOptions.Default with { Target = QuantizationTarget.X64Vnni };
        double budget = 0.6 * new MobileNetLatencyModel(runner, cache, 1, 16, 10, int8: int8).Predict(Quarter);
        runner.Measured.Clear();
        var pass = LatencyPrunePass(budget, cache, runner, Precision.Int8, QuantizationTarget.X64Vnni);

        pass.Run(input, Path.Combine(dir, "prune"), new PassContext(data, new ModelVariant("mobilenet_v1", 0.125, Precision.Fp32)));

        using var report = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "prune", PrunePass.LatencyFile)));
        var root = report.RootElement;
        Assert.Equal("int8 x64-vnni uint8 activations", root.GetProperty("fingerprint").GetProperty("precision").GetString());
        Assert.Equal(LatencyTable.PathFor(cache, runner.Fingerprint with { Precision = "int8 x64-vnni uint8 activations" }), root.GetProperty("cacheFile").GetString());
        Assert.True(root.GetProperty("predictedMs").GetDouble() <= budget);
        var wholes = runner.Measured.Where(m => m.File.StartsWith("whole", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(wholes);
        Assert.All(wholes, m => Assert.True(m.QuantizeNodes >= 14, m.File));
    }

    [Fact]
    public void When_whole_networks_run_faster_than_the_table_predicts_the_search_is_corrected_and_uses_the_budget()
    {
        var (input, data, cache) = QuarterCheckpoint();
        // Whole networks take 60 % of their size-time, blocks all of it: the table overestimates every plan.
        var runner = new SizeRunner { WholeFactor = 0.6 };
        double budget = 0.6 * new MobileNetLatencyModel(runner, cache, 1, 16, 10).Predict(Quarter);
        // Without the check against uniform width, which may keep a narrower plan than the widest within the budget.
        var pass = LatencyPrunePass(budget, cache, runner, uniformCheck: false);

        pass.Run(input, Path.Combine(dir, "prune"), new PassContext(data, new ModelVariant("mobilenet_v1", 0.125, Precision.Fp32)));

        using var report = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "prune", PrunePass.LatencyFile)));
        var root = report.RootElement;
        var searches = root.GetProperty("searches").EnumerateArray().ToList();
        Assert.True(searches.Count >= 2, $"{searches.Count} search(es): the first plan measured far under the budget and was not corrected");
        var first = searches[0];
        Assert.Equal(1.0, first.GetProperty("predictionCorrection").GetDouble());
        Assert.True(first.GetProperty("measuredMs").GetDouble() < 0.95 * budget, "the premise: the uncorrected plan stops well under the budget");
        // The kept plan is the widest measured one within the budget, wider than the uncorrected one.
        double measured = root.GetProperty("measuredMs").GetDouble();
        Assert.True(root.GetProperty("measuredWithinBudget").GetBoolean());
        Assert.True(measured <= budget * (1 + PrunePass.LatencyTolerance));
        Assert.True(measured > first.GetProperty("measuredMs").GetDouble());
        Assert.True(root.GetProperty("macs").GetInt64() > first.GetProperty("macs").GetInt64());
        Assert.Equal(searches.Where(s => s.GetProperty("measuredMs").GetDouble() <= budget * (1 + PrunePass.LatencyTolerance)).Max(s => s.GetProperty("macs").GetInt64()),
            root.GetProperty("macs").GetInt64());
        Assert.True(root.GetProperty("predictionCorrection").GetDouble() < 1);
        Assert.True(searches.Count <= PrunePass.MaxLatencyCorrections + 1);
    }

    [Fact]
    public void Once_plans_on_both_sides_of_the_budget_are_measured_the_correction_interpolates_between_them()
    {
        // The first two searches of session 29's seed 11 (alpha 0.25 at 32x32 on the Zen 5, budget 0.0642 ms): a plan
        // predicted 0.0750 ms measured 0.64 x the budget, one predicted 0.1147 ms measured 1.24 x.
        const double budget = 0.0642;
        var first = (0.0750, 0.6415);
        var second = (0.1147, 1.2438);

        // One plan measured: its own measured / predicted ratio.
        Assert.Equal(0.6415 * budget / 0.0750, BudgetCorrection.Next([first], budget, 0.05), 12);
        // Two on one side: the last one's ratio.
        Assert.Equal(0.9 * budget / 0.08, BudgetCorrection.Next([first, (0.08, 0.9)], budget, 0.05), 12);
        // Both sides: where the line between them in log-log space crosses the budget maps onto the budget. The last
        // ratio alone (0.696) aimed at 0.0922 ms predicted, and the plan it found (0.0906 ms) measured 0.854 x.
        double correction = BudgetCorrection.Next([first, second], budget, 0.05);
        double aimedAt = budget / correction;
        double power = Math.Log(1.2438 / 0.6415) / Math.Log(0.1147 / 0.0750);
        Assert.Equal(0.0750 * Math.Pow(1 / 0.6415, 1 / power), aimedAt, 12);
        Assert.InRange(aimedAt, 0.0750, 0.1147);
        Assert.True(correction < 1.2438 * budget / 0.1147, "the pair aims higher than the last ratio does");
        // The closest pair decides: a third plan under the budget and nearer to it (0.0906 ms at 0.854 x) moves the aim up,
        // and from the second plan in a row under the budget the one over it counts half as far (Illinois): the aim moves
        // further up than the plain line through the closest pair would take it.
        var third = (0.0906, 0.854);
        double closer = budget / BudgetCorrection.Next([first, second, third], budget, 0.05);
        Assert.InRange(closer, aimedAt, 0.1147);
        double line = 0.0906 * Math.Exp(-Math.Log(0.854) * Math.Log(0.1147 / 0.0906) / (Math.Log(1.2438) - Math.Log(0.854)));
        Assert.Equal(line, closer, 12); // one plan under since the plan over: the plain line
        double fourth = budget / BudgetCorrection.Next([first, second, (0.085, 0.80), third], budget, 0.05);
        double halved = 0.0906 * Math.Exp(-Math.Log(0.854) * Math.Log(0.1147 / 0.0906) / (Math.Log(1.2438) / 2 - Math.Log(0.854)));
        Assert.Equal(halved, fourth, 12);
        Assert.True(fourth > line);
        // A plan within the tolerance over the budget counts as under it; a pair whose wider plan measured faster is
        // no line to follow (the machine's speed switched): the last ratio again.
        Assert.Equal(1.3 * budget / 0.1, BudgetCorrection.Next([(0.11, 1.04), (0.1, 1.3)], budget, 0.05), 12);
        Assert.Throws<ArgumentOutOfRangeException>(() => BudgetCorrection.Next([], budget, 0.05));
        // A search that found a measured plan again is aimed at the pair's geometric middle; without a pair there is none.
        Assert.Equal(budget / Math.Sqrt(0.0906 * 0.1147), BudgetCorrection.Midpoint([first, second, third], budget, 0.05)!.Value, 12);
        Assert.Null(BudgetCorrection.Midpoint([first, third], budget, 0.05));
        // When the middle's plan was measured too: the factor that passes the narrowest plan over the budget (0.1147) by
        // the smallest margin, so a search stops at the next plan of its path.
        double past = BudgetCorrection.PastNarrowestOver([first, second, third], budget, 0.05)!.Value;
        Assert.True(past * 0.1147 > budget);
        Assert.True(past * 0.1147 * (1 - 1e-8) <= budget);
        Assert.Null(BudgetCorrection.PastNarrowestOver([first, third], budget, 0.05));
    }

    [Fact]
    public void On_power_laws_with_a_step_the_searches_end_near_the_budget_where_a_straight_secant_fell_short()
    {
        // A continuous stand-in for the pass's searches (docs/pruning.md, "latency search"): a search at factor c finds the
        // plan predicted 1 / c x the budget, which measures P^(1+e) x the budget, times a step of s from P = 1 on.
        // The plan just under the step meets the budget; over it, plans measure s x. Starts 0.6 to 1.3 x the budget.
        int within = 0, cases = 0;
        double worst = double.MaxValue;
        foreach (double e in new[] { 0, 0.2, 0.4, 0.8, 1.2, 1.6 })
            foreach (double step in new[] { 1, 1.1, 1.2, 1.5, 2, 3 })
                foreach (double start in new[] { 0.6, 0.7, 0.8, 0.9, 1.1, 1.2, 1.3 })
                {
                    double Measure(double p) => Math.Pow(p, 1 + e) * (p < 1 ? 1 : step);
                    var history = new List<(double PredictedMs, double OverBudget)>();
                    double p = start, kept = 0;
                    for (int search = 0; search <= PrunePass.MaxLatencyCorrections; search++)
                    {
                        double over = Measure(p);
                        history.Add((p, over));
                        if (over <= 1 + PrunePass.LatencyTolerance) kept = Math.Max(kept, over);
                        if (over is >= 1 - PrunePass.LatencyTolerance and <= 1 + PrunePass.LatencyTolerance) break;
                        p = 1 / BudgetCorrection.Next(history, 1, PrunePass.LatencyTolerance);
                    }
                    cases++;
                    if (kept >= 1 - PrunePass.LatencyTolerance) within++;
                    else if (step == 1) Assert.Fail($"no step (power {1 + e}, start {start}): kept {kept:F3} of the budget");
                    worst = Math.Min(worst, kept);
                }
        output.WriteLine($"{within} of {cases} simulated searches end within {PrunePass.LatencyTolerance:P0} of the budget; the worst keeps {worst:F3} of it");
        Assert.True(worst >= 0.9, $"the worst case keeps {worst:F3} of the budget");
    }

    [Fact]
    public void When_the_table_misjudges_wide_and_narrow_plans_differently_the_search_still_lands_on_the_budget()
    {
        var (input, data, cache) = QuarterCheckpoint();
        // Whole networks run at a fraction of the blocks' sum that grows with their size (narrow plans gain more from
        // fusion than wide ones): each search's measured / predicted ratio then misjudges the next plan, and correcting
        // by the last ratio alone swings from one side of the budget to the other.
        double quarter = SizeRunner.Cost(Quarter, 16) / 1000.0;
        var runner = new SizeRunner { Whole = t => 0.6 * t * Math.Pow(t / quarter, 1.6) };
        double budget = 0.5 * new MobileNetLatencyModel(runner, cache, 1, 16, 10).Predict(Quarter);
        AssertTheSearchOvershootsThenKeepsAPlanOnTheBudget(input, data, cache, runner, budget);
    }

    [Theory]
    [InlineData(0.50)]
    [InlineData(0.80)]
    public void When_measured_time_steps_up_between_two_plans_the_search_bisects_until_it_is_under_the_step(double stepAt)
    {
        var (input, data, cache) = QuarterCheckpoint();
        // Whole networks from a size on run half again slower (a kernel that stops fitting the cache: session 29's seed 11
        // measured a jump between plans predicted 0.100 and 0.110 ms), and narrow plans gain more from fusion than wide
        // ones. The budget is what the plan at the step would measure, so the first correction (the narrow first plan's
        // ratio) lands over the step, and the line between a plan under and one over it aims just above the plan under:
        // from one side only, one small step a search.
        double quarter = SizeRunner.Cost(Quarter, 16) / 1000.0, step = stepAt * quarter;
        var runner = new SizeRunner { Whole = t => 0.6 * t * Math.Pow(t / step, 0.8) * (t < step ? 1 : 1.5) };
        double budget = 0.6 * step;
        string trace = AssertTheSearchOvershootsThenKeepsAPlanOnTheBudget(input, data, cache, runner, budget);
        output.WriteLine($"step at {stepAt} x the quarter network: {trace}");
    }

    /// <summary>
    /// Runs the latency pass on <paramref name="runner"/> and asserts that a search went over the budget (the premise) and
    /// the kept plan is within the tolerance of the budget on both sides; returns each search's trace.
    /// </summary>
    private string AssertTheSearchOvershootsThenKeepsAPlanOnTheBudget(Artefact input, GradualPruningTests.FixedData data, string cache, SizeRunner runner, double budget)
    {
        // Without the check against uniform width: on this untrained net it keeps whichever plan the held-out slice's noise
        // favours (a plan at 0.804 of the budget in one run), and these tests are about where the searches land.
        var pass = LatencyPrunePass(budget, cache, runner, uniformCheck: false);

        pass.Run(input, Path.Combine(dir, "prune"), new PassContext(data, new ModelVariant("mobilenet_v1", 0.125, Precision.Fp32)));

        using var report = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "prune", PrunePass.LatencyFile)));
        var root = report.RootElement;
        var searches = root.GetProperty("searches").EnumerateArray()
            .Select(s => (Measured: s.GetProperty("measuredMs").GetDouble(), Correction: s.GetProperty("predictionCorrection").GetDouble())).ToList();
        string trace = string.Join("; ", searches.Select(s => $"x {s.Correction:F3}: {s.Measured / budget:F3} of the budget"));
        Assert.True(searches.Any(s => s.Measured > budget * (1 + PrunePass.LatencyTolerance)), $"the premise: a search went over the budget ({trace})");
        double measured = root.GetProperty("measuredMs").GetDouble();
        Assert.True(root.GetProperty("measuredWithinBudget").GetBoolean(), trace);
        Assert.True(measured >= budget * (1 - PrunePass.LatencyTolerance), $"the kept plan runs at {measured / budget:F3} of the budget ({trace})");
        return trace;
    }

    [Fact]
    public void Paired_rounds_cancel_a_machine_that_slows_down_between_measurements()
    {
        // Every measurement runs 10 % slower than the one before (a VM whose hypervisor takes more and more of it).
        var runner = new SizeRunner { DriftPerCall = 1.1 };
        var model = new MobileNetLatencyModel(runner, Path.Combine(dir, "cache"), 1, 16, 10);
        var plan = MobileNetV1.Channels(0.125);
        var reference = MobileNetV1.Channels(0.25);

        // Two absolute figures taken one after the other misjudge the ratio by the drift.
        double alone = model.MeasureWhole(reference, runner), then = model.MeasureWhole(plan, runner);
        var paired = model.MeasurePaired(plan, reference, 4, runner);

        double truth = SizeRunner.Cost(plan, 16) / SizeRunner.Cost(reference, 16);
        Assert.True(Math.Abs(then / alone - truth) > 0.05 * truth, "the premise: one measurement after another is off by the drift");
        Assert.Equal(truth, paired.Ratio, 9);
        Assert.Equal(4, paired.PlanMs.Count);
        Assert.Equal(4, paired.ReferenceMs.Count);
        Assert.Throws<ArgumentOutOfRangeException>(() => model.MeasurePaired(plan, reference, 1, runner));
    }

    [Fact]
    public void Paired_rounds_ignore_the_rounds_in_which_the_machine_switched_speed()
    {
        // The machine runs 1.7x slower for a moment, twice: the plan's figures of the third and the sixth round (of 8) fall
        // into that state, the reference's figures of those rounds do not (two measurements a round, the reference first in
        // even rounds: measurement 5 is the plan of round 2, measurement 10 the plan of round 5).
        var runner = new SizeRunner { SlowWholeMeasurements = new HashSet<int> { 5, 10 } };
        var model = new MobileNetLatencyModel(runner, Path.Combine(dir, "cache"), 1, 16, 10);
        var plan = MobileNetV1.Channels(0.125);
        var reference = MobileNetV1.Channels(0.25);

        var paired = model.MeasurePaired(plan, reference, PrunePass.PairedRounds, runner);

        double truth = SizeRunner.Cost(plan, 16) / SizeRunner.Cost(reference, 16);
        var ratios = paired.PlanMs.Zip(paired.ReferenceMs, (p, r) => p / r).ToList();
        Assert.Equal(2, ratios.Count(r => Math.Abs(r / truth - 1.7) < 1e-9)); // the premise: two rounds straddled a switch
        double meanOfLogs = Math.Exp(ratios.Average(Math.Log));
        Assert.True(meanOfLogs / truth > 1 + PrunePass.LatencyTolerance, $"the premise: the mean over all rounds is off by {meanOfLogs / truth - 1:P1}");
        Assert.Equal(truth, paired.Ratio, 9);
    }

    [Fact]
    public void With_a_relative_budget_the_search_falls_back_to_the_reference_when_every_other_plan_runs_over_it()
    {
        var (input, data, cache) = QuarterCheckpoint();
        // Every whole network but the reference (uniform alpha 0.125) runs 10x its blocks' sum: the first plan measures
        // far over the budget, the correction rises tenfold, and even the narrowest plan then predicts over the budget. The
        // reference meets the budget by measurement, so the search measures it next and keeps it (until session 34 the
        // reference's corrected prediction went over the budget too, and the search ended after one attempt, not met).
        double reference = SizeRunner.Cost(MobileNetV1.Channels(0.125), 16) / 1000.0;
        var runner = new SizeRunner { Whole = t => Math.Abs(t - reference) < 1e-9 ? t : 10 * t };
        var pass = LatencyPrunePass(0, cache, runner, ofAlpha: 0.125);

        pass.Run(input, Path.Combine(dir, "prune"), new PassContext(data, new ModelVariant("mobilenet_v1", 0.125, Precision.Fp32)));

        using var report = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "prune", PrunePass.LatencyFile)));
        var root = report.RootElement;
        var searches = root.GetProperty("searches").EnumerateArray()
            .Select(s => (Plan: s.GetProperty("channelPlan").EnumerateArray().Select(e => e.GetInt32()).ToArray(), Ratio: s.GetProperty("ratioToReference").GetDouble())).ToList();
        Assert.True(searches[0].Ratio > 5, $"the premise: the first plan runs {searches[0].Ratio:F3} x the reference");
        Assert.Equal(2, searches.Count);
        Assert.Equal(MobileNetV1.Channels(0.125), searches[1].Plan);
        Assert.Equal(1.0, searches[1].Ratio, 9);
        Assert.True(root.GetProperty("measuredWithinBudget").GetBoolean());
        Assert.Equal(MobileNetV1.Channels(0.125), root.GetProperty("channelPlan").EnumerateArray().Select(e => e.GetInt32()));
    }

    [Fact]
    public void A_budget_relative_to_a_uniform_alpha_holds_on_a_drifting_machine_and_is_reported()
    {
        var (input, data, cache) = QuarterCheckpoint();
        // The machine slows down by 3 % a measurement, and whole networks run at 70 % of the blocks' sum.
        var runner = new SizeRunner { DriftPerCall = 1.03, WholeFactor = 0.7 };
        var pass = LatencyPrunePass(0, cache, runner, ofAlpha: 0.125);

        var pruned = pass.Run(input, Path.Combine(dir, "prune"), new PassContext(data, new ModelVariant("mobilenet_v1", 0.125, Precision.Fp32)));

        var plan = Checkpoint.ReadSpec(pruned.Folder).Spec.ChannelPlan ?? MobileNetV1.Channels(0.125);
        using var report = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "prune", PrunePass.LatencyFile)));
        var root = report.RootElement;
        var reference = root.GetProperty("reference");
        Assert.Equal(0.125, reference.GetProperty("alpha").GetDouble());
        Assert.Equal(MobileNetV1.Channels(0.125), reference.GetProperty("channelPlan").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal(PrunePass.PairedRounds, reference.GetProperty("pairedRounds").GetInt32());
        var searches = root.GetProperty("searches").EnumerateArray().ToList();
        // One figure of the reference before the search, then PairedRounds with every candidate.
        Assert.Equal(1 + PrunePass.PairedRounds * searches.Count, reference.GetProperty("measurements").GetArrayLength());
        Assert.Equal(plan, root.GetProperty("channelPlan").EnumerateArray().Select(e => e.GetInt32()));
        // The ratio is the machine-independent truth (model sizes), and it decides "met".
        double ratio = root.GetProperty("ratioToReference").GetDouble();
        Assert.Equal(SizeRunner.Cost(plan, 16) / SizeRunner.Cost(MobileNetV1.Channels(0.125), 16), ratio, 9);
        Assert.Equal(ratio <= 1 + PrunePass.LatencyTolerance, root.GetProperty("measuredWithinBudget").GetBoolean());
        Assert.True(root.GetProperty("measuredWithinBudget").GetBoolean(), $"the kept plan runs {ratio:F3}x the reference");
        Assert.All(searches, s => Assert.True(s.GetProperty("ratioToReference").GetDouble() > 0));
        Assert.Equal(root.GetProperty("budgetMs").GetDouble(), reference.GetProperty("measuredMs").GetDouble());
    }

    [Fact]
    public void Under_a_latency_budget_the_plans_measured_within_it_are_checked_against_uniform_width_widest_first()
    {
        var (input, data, cache) = QuarterCheckpoint();
        var runner = new SizeRunner { WholeFactor = 0.7 };
        var pass = LatencyPrunePass(0, cache, runner, ofAlpha: 0.125);
        var lines = new List<string>();

        var pruned = pass.Run(input, Path.Combine(dir, "prune"), new PassContext(data, new ModelVariant("mobilenet_v1", 0.125, Precision.Fp32), new ProgressLines(lines)));

        var plan = Checkpoint.ReadSpec(pruned.Folder).Spec.ChannelPlan ?? MobileNetV1.Channels(0.125);
        using var latency = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "prune", PrunePass.LatencyFile)));
        using var prune = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "prune", PrunePass.ReportFile)));
        static int[] Plan(JsonElement e) => e.GetProperty("channelPlan").EnumerateArray().Select(c => c.GetInt32()).ToArray();
        var check = prune.RootElement.GetProperty("uniformCheck");
        Assert.Equal(MobileNetV1.Channels(0.125), check.GetProperty("uniformPlan").EnumerateArray().Select(e => e.GetInt32()));
        // The candidates are the searched plans measured within the budget, widest first, up to the one kept.
        var within = latency.RootElement.GetProperty("searches").EnumerateArray()
            .Where(s => s.GetProperty("ratioToReference").GetDouble() <= 1 + PrunePass.LatencyTolerance)
            .OrderByDescending(s => s.GetProperty("macs").GetInt64()).Select(Plan).ToList();
        var candidates = check.GetProperty("candidates").EnumerateArray().ToList();
        Assert.NotEmpty(candidates);
        Assert.Equal(within.Take(candidates.Count), candidates.Select(Plan));
        double uniform = check.GetProperty("uniformHeldOutAccuracy").GetDouble();
        Assert.All(candidates.SkipLast(1), c => Assert.True(c.GetProperty("heldOutAccuracy").GetDouble() < uniform));
        bool keptUniform = check.GetProperty("keptUniform").GetBoolean();
        Assert.Equal(keptUniform ? MobileNetV1.Channels(0.125) : Plan(candidates[^1]), plan);
        // latency.json describes the plan kept: uniform width is the reference itself (ratio 1, within the budget).
        Assert.Equal(plan, Plan(latency.RootElement));
        Assert.True(latency.RootElement.GetProperty("measuredWithinBudget").GetBoolean());
        if (keptUniform) Assert.Equal(1.0, latency.RootElement.GetProperty("ratioToReference").GetDouble());
        Assert.Single(lines, l => l.StartsWith("prune: checked against uniform alpha 0.125 on 16 held-out images", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(0.5, 2.0, "targetLatencyOfAlpha is 0.5 and targetLatencyMs is 2: give one latency budget, not both")]
    [InlineData(1.5, 0.0, "targetLatencyOfAlpha must be a width multiplier in (0, 1] (or 0 for none) but is 1.5")]
    public void Two_latency_budgets_or_a_budget_alpha_out_of_range_are_refused(double ofAlpha, double ms, string expected)
    {
        var e = Assert.Throws<ArgumentException>(() => new PrunePassOptions { Plan = WidthPlanChoice.Sensitivity, TargetLatencyOfAlpha = ofAlpha, TargetLatencyMs = ms }.Validate());
        Assert.Equal(expected, e.Message);
        var u = Assert.Throws<ArgumentException>(() => new PrunePassOptions { TargetLatencyOfAlpha = 0.5 }.Validate());
        Assert.StartsWith("targetLatencyOfAlpha needs plan: sensitivity", u.Message, StringComparison.Ordinal);
    }

    /// <summary>A saved alpha 0.25 MobileNet (seed 5, 16x16 grey) as the train pass's output, fixed data and a latency cache folder.</summary>
    private (Artefact Input, GradualPruningTests.FixedData Data, string Cache) QuarterCheckpoint()
    {
        var spec = new ModelSpec("mobilenet_v1", 10, 1, 16, 0.25) { Mean = [0.5f], Std = [0.25f] };
        string trained = Path.Combine(dir, "train");
        using (var net = ModelFactory.Create(spec))
        using (var generator = new torch.Generator(5))
        {
            // Not the process-wide generator, which test classes running in parallel draw from too.
            ExportTestModels.DrawWeights(net, generator);
            Checkpoint.Save(trained, net, spec, null);
        }
        var input = new Artefact(ArtefactKind.Checkpoint, trained, "mobilenet_v1", 0.25, Precision.Fp32) { CheckpointFolder = trained }.After("train");
        var data = new GradualPruningTests.FixedData(EvaluationTestData.Grey28(64), EvaluationTestData.Grey28(16, seed: 9));
        return (input, data, Path.Combine(dir, "cache"));
    }

    /// <summary>
    /// A prune pass with a sensitivity plan under a latency budget measured by <paramref name="runner"/> (in <paramref name="precision"/>):
    /// <paramref name="budget"/> ms, or with <paramref name="ofAlpha"/> (and budget 0) as fast as that uniform alpha.
    /// </summary>
    private static PrunePass LatencyPrunePass(double budget, string cache, SizeRunner runner,
        Precision precision = Precision.Fp32, QuantizationTarget target = QuantizationTarget.Host, double ofAlpha = 0, bool uniformCheck = true) => new(new PrunePassOptions
    {
        UniformCheck = uniformCheck,
        Cut = new WidthCutOptions { RecalibrationImages = 16 },
        Plan = WidthPlanChoice.Sensitivity,
        SensitivityImages = 16,
        TargetLatencyMs = budget,
        TargetLatencyOfAlpha = ofAlpha,
        LatencyCache = cache,
        LatencyRunner = runner,
        LatencyPrecision = precision,
        LatencyTarget = target,
    }.Validate());

    [Fact]
    public void A_latency_budget_without_a_sensitivity_plan_is_refused_naming_the_setting()
    {
        var e = Assert.Throws<ArgumentException>(() => new PrunePassOptions { TargetLatencyMs = 2 }.Validate());
        Assert.StartsWith("targetLatencyMs needs plan: sensitivity", e.Message, StringComparison.Ordinal);
        string json = """{ "name": "t", "dataset": { "name": "embedded" }, "matrix": { "architectures": ["mobilenet_v1"], "alphas": [1.0, 0.5] }, "passes": [ { "name": "train" }, { "name": "prune", "options": { "targetLatencyMs": 2 } } ] }""";
        var r = Assert.Throws<RecipeException>(() => RecipeLoader.Parse(json, "recipe.json"));
        Assert.StartsWith("recipe.json: passes[1].options.targetLatencyMs needs plan: sensitivity", r.Message, StringComparison.Ordinal);
        var ok = RecipeLoader.Parse(json.Replace("\"targetLatencyMs\": 2", "\"targetLatencyMs\": 2, \"plan\": \"sensitivity\", \"latencyThreads\": 2"), "recipe.json");
        var options = ((PrunePass)ok.Passes[1]).Options;
        Assert.Equal((2.0, 2), (options.TargetLatencyMs, options.LatencyThreads));
    }

    /// <summary>
    /// A deterministic runner: a model "takes" its file size in microseconds (more weights, more time); counts its calls.
    /// <see cref="WholeFactor"/> scales whole networks (the model's <c>whole.onnx</c>) to stand for a machine where they run
    /// faster than the sum of their blocks.
    /// </summary>
    private sealed class SizeRunner : ILatencyRunner
    {
        public int Calls { get; private set; }

        public double WholeFactor { get; init; } = 1;

        /// <summary>Maps a whole network's size-time before <see cref="WholeFactor"/>: a machine on which the blocks' sum misjudges wide and narrow plans by different factors.</summary>
        public Func<double, double> Whole { get; init; } = t => t;

        /// <summary>Each whole-network measurement takes this factor longer than the one before (1 = a steady machine; the blocks of the table are measured steady).</summary>
        public double DriftPerCall { get; init; } = 1;

        /// <summary>Whole-network measurements (counted from 0 over the runner's life) taken while the machine is in its slow state: they take <see cref="SlowFactor"/> times longer.</summary>
        public IReadOnlySet<int> SlowWholeMeasurements { get; init; } = new HashSet<int>();

        /// <summary>How much slower the machine's slow state is (the 2-core VM's two speeds: about 0.19 against 0.11 ms).</summary>
        public double SlowFactor { get; init; } = 1.7;

        /// <summary>Block measurements (counted from 0 over the runner's life, in the order the models were given) taken while the machine is in its slow state.</summary>
        public IReadOnlySet<int> SlowBlockMeasurements { get; init; } = new HashSet<int>();

        private double _drift = 1;
        private int _wholeMeasurements;
        private int _blockMeasurements;

        public DeviceFingerprint Fingerprint { get; init; } = new("test CPU", 4, "X64", "1.31.1", 1, "fp32");

        /// <summary>Every model measured: its file name and its QuantizeLinear nodes.</summary>
        public List<(string File, int QuantizeNodes)> Measured { get; } = [];

        public IReadOnlyList<double> Measure(IReadOnlyList<string> modelPaths, CancellationToken cancellationToken = default)
        {
            Calls++;
            foreach (string p in modelPaths)
            {
                var nodes = Onnx.ModelProto.Parser.ParseFrom(File.ReadAllBytes(p)).Graph.Node;
                Measured.Add((Path.GetFileName(p), nodes.Count(n => n.OpType == "QuantizeLinear")));
            }
            return modelPaths.Select(p => Path.GetFileName(p).StartsWith("whole", StringComparison.Ordinal)
                ? Whole(new FileInfo(p).Length / 1000.0) * WholeFactor * (_drift *= DriftPerCall) * State()
                : new FileInfo(p).Length / 1000.0 * BlockState()).ToArray();

            double State() => SlowWholeMeasurements.Contains(_wholeMeasurements++) ? SlowFactor : 1;
            double BlockState() => SlowBlockMeasurements.Contains(_blockMeasurements++) ? SlowFactor : 1;
        }

        /// <summary>What a whole network of <paramref name="plan"/> costs this runner before drift: its exported size.</summary>
        public static double Cost(IReadOnlyList<int> plan, int inputSize)
        {
            using var net = new MobileNetV1(10, plan, 1, inputSize);
            net.eval();
            var spec = new ModelSpec("mobilenet_v1", 10, 1, inputSize, MobileNetV1.NominalAlpha(plan)) { ChannelPlan = plan };
            return new OnnxExporter().Export(net, spec).CalculateSize();
        }
    }
}
