using EdgeToolkit.Compression.Pruning;
using EdgeToolkit.Training.Models;
using EdgeToolkit.Training.Native;
using TorchSharp;
using static TorchSharp.torch;

namespace EdgeToolkit.Compression.Tests.Pruning;

public sealed class MobileNetWidthPrunerTests
{
    private const int Classes = 10;
    private const int InputSize = 16;

    private static MobileNetV1 Source(int seed = 1)
    {
        torch.random.manual_seed(seed);
        var model = new MobileNetV1(Classes, 1.0, inputChannels: 1, inputSize: InputSize);
        RandomiseBatchNorm(model, seed);
        model.eval();
        return model;
    }

    /// <summary>Gives every BatchNorm non-trivial statistics so slicing mistakes change outputs.</summary>
    private static void RandomiseBatchNorm(MobileNetV1 model, int seed)
    {
        var gen = new Random(seed);
        using var noGrad = torch.no_grad();
        foreach (var (key, t) in model.state_dict())
        {
            if (key.EndsWith("running_mean", StringComparison.Ordinal)) t.copy_(HeldScalars.Multiply(torch.randn(t.shape), 0.1));
            else if (key.EndsWith("running_var", StringComparison.Ordinal)) t.copy_(HeldScalars.Add(torch.rand(t.shape), 0.5));
            else if (key.EndsWith(".bias", StringComparison.Ordinal) && !key.StartsWith("classifier", StringComparison.Ordinal)) t.copy_(HeldScalars.Multiply(torch.randn(t.shape), 0.1));
            else if ((key.Contains("bn", StringComparison.Ordinal) || key.StartsWith("features.0.1", StringComparison.Ordinal)) && key.EndsWith(".weight", StringComparison.Ordinal))
                t.copy_(HeldScalars.Add(torch.rand(t.shape), 0.5));
        }
        _ = gen;
    }

    private static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();

    [Theory]
    [InlineData(0.75)]
    [InlineData(0.5)]
    [InlineData(0.25)]
    public void Pruned_network_has_exactly_the_keys_and_shapes_of_one_built_at_that_alpha(double alpha)
    {
        using var source = Source();
        using var pruned = MobileNetWidthPruner.Prune(source, alpha);
        using var fresh = new MobileNetV1(Classes, alpha, inputChannels: 1, inputSize: InputSize);

        var expected = fresh.state_dict().Select(kv => (kv.Key, Shape: string.Join("x", kv.Value.shape))).ToList();
        var actual = pruned.state_dict().Select(kv => (kv.Key, Shape: string.Join("x", kv.Value.shape))).ToList();
        Assert.Equal(expected, actual);
        Assert.Equal(alpha, pruned.Alpha);

        using var x = torch.randn(2, 1, InputSize, InputSize);
        using var y = pruned.call(x);
        Assert.Equal(new long[] { 2, Classes }, y.shape);
        Assert.False(y.isnan().any().item<bool>());
    }

    [Fact]
    public void Pruning_keeps_the_highest_L1_channels_in_original_order()
    {
        using var source = Source();
        var state = source.state_dict();
        int[] strongStem = [1, 3, 4, 8, 10, 17, 19, 20, 22, 23, 25, 26, 27, 28, 30, 31]; // 16 of 32 = MakeDivisible(32 * 0.5)
        using (torch.no_grad())
        {
            var stem = state["features.0.0.weight"];
            HeldScalars.MultiplyInPlace(stem.abs_(), 0.01); // every filter small ...
            foreach (int c in strongStem) stem[c].add_(HeldScalars.One, HeldScalars.One); // ... except the strong ones
            // Layer 5 (256 channels -> 128): reverse the ranking so the upper half must survive.
            var pw = state["features.5.pointwise.weight"];
            for (int c = 0; c < 256; c++) HeldScalars.Fill(pw[c], c < 128 ? 0.001 : 0.002 + c * 1e-5);
        }

        var plan = MobileNetWidthPruner.Plan(source, 0.5);
        Assert.Equal(strongStem, plan.KeptChannels[0]);
        Assert.Equal(Enumerable.Range(128, 128), plan.KeptChannels[5]);
        Assert.All(plan.KeptChannels, k => Assert.Equal(k.Order(), k));

        using var pruned = MobileNetWidthPruner.Apply(source, plan);
        var ps = pruned.state_dict();
        using var strong = torch.tensor(strongStem.Select(i => (long)i).ToArray());
        Assert.True(Same(ps["features.0.0.weight"], state["features.0.0.weight"].index_select(0, strong)));
        Assert.True(Same(ps["features.0.1.running_mean"], state["features.0.1.running_mean"].index_select(0, strong)));
        Assert.True(Same(ps["features.1.depthwise.weight"], state["features.1.depthwise.weight"].index_select(0, strong)));
        Assert.True(Same(ps["features.1.bn1.bias"], state["features.1.bn1.bias"].index_select(0, strong)));
        using var upper = torch.tensor(Enumerable.Range(128, 128).Select(i => (long)i).ToArray());
        Assert.True(Same(ps["features.5.bn2.weight"], state["features.5.bn2.weight"].index_select(0, upper)));
        Assert.True(Same(ps["features.6.depthwise.weight"], state["features.6.depthwise.weight"].index_select(0, upper)));
        Assert.Equal(128, pruned.Blocks[5].Depthwise.groups);
    }

    [Fact]
    public void BatchNorm_scale_criterion_keeps_the_channels_with_the_largest_gamma()
    {
        using var source = Source();
        var state = source.state_dict();
        using (torch.no_grad())
        {
            var gamma = state["features.13.bn2.weight"]; // 1024 -> 256 at alpha 0.25
            HeldScalars.Fill(gamma, 0.1);
            for (int c = 0; c < 1024; c += 4) HeldScalars.Fill(gamma[c], -2.0); // large magnitude, negative sign
        }
        var plan = MobileNetWidthPruner.Plan(source, 0.25, new WidthPruningOptions(ChannelImportance.BatchNormScale));
        Assert.Equal(Enumerable.Range(0, 256).Select(i => i * 4), plan.KeptChannels[13]);

        using var pruned = MobileNetWidthPruner.Apply(source, plan);
        using var kept = torch.tensor(Enumerable.Range(0, 256).Select(i => 4L * i).ToArray());
        Assert.True(Same(pruned.state_dict()["classifier.weight"], state["classifier.weight"].index_select(1, kept)));
    }

    [Theory]
    [InlineData(0.5, ChannelImportance.L1Norm)]
    [InlineData(0.25, ChannelImportance.BatchNormScale)]
    public void Removing_only_channels_that_are_exactly_zero_leaves_the_logits_unchanged(double alpha, ChannelImportance importance)
    {
        using var source = Source(seed: 7);
        var state = source.state_dict();
        var full = MobileNetV1.Channels(1.0);
        var target = MobileNetV1.Channels(alpha);
        var gen = new Random(3);
        var removed = new List<int[]>();
        using (torch.no_grad())
        {
            for (int layer = 0; layer < full.Count; layer++)
            {
                int[] dead = Enumerable.Range(0, full[layer]).OrderBy(_ => gen.Next()).Take(full[layer] - target[layer]).ToArray();
                removed.Add(dead);
                string conv = layer == 0 ? "features.0.0.weight" : $"features.{layer}.pointwise.weight";
                string bn = layer == 0 ? "features.0.1" : $"features.{layer}.bn2";
                foreach (int c in dead)
                {
                    // Zero filter and zero BatchNorm scale/shift: the channel is exactly 0 after ReLU ...
                    state[conv][c].zero_();
                    state[$"{bn}.weight"][c].zero_();
                    state[$"{bn}.bias"][c].zero_();
                    // ... and stays 0 through the next depthwise conv and its BatchNorm.
                    if (layer + 1 < full.Count)
                    {
                        state[$"features.{layer + 1}.depthwise.weight"][c].zero_();
                        state[$"features.{layer + 1}.bn1.weight"][c].zero_();
                        state[$"features.{layer + 1}.bn1.bias"][c].zero_();
                    }
                }
            }
        }

        var plan = MobileNetWidthPruner.Plan(source, alpha, new WidthPruningOptions(importance));
        for (int layer = 0; layer < full.Count; layer++)
            Assert.Empty(plan.KeptChannels[layer].Intersect(removed[layer]));

        using var pruned = MobileNetWidthPruner.Apply(source, plan);
        using var generator = new torch.Generator(11);
        using var x = torch.randn(4, 1, InputSize, InputSize, generator: generator);
        using var expected = source.call(x);
        using var actual = pruned.call(x);
        Assert.True(expected.abs().max().item<float>() > 1e-3f, "the construction should give non-trivial logits");
        Assert.True(actual.allclose(expected, rtol: 1e-4, atol: 1e-5), $"max difference {(actual - expected).abs().max().item<float>()}");
    }

    [Fact]
    public void Pruned_network_exports_to_ONNX_and_ONNX_Runtime_reproduces_it()
    {
        using var source = Source();
        using var pruned = MobileNetWidthPruner.Prune(source, 0.25);
        var spec = new ModelSpec("mobilenet_v1", Classes, 1, InputSize, 0.25) { Mean = [0.5f], Std = [0.5f], Labels = Enumerable.Range(0, Classes).Select(i => $"c{i}").ToArray() };
        string onnx = Path.Combine(Path.GetTempPath(), $"pruned-{Guid.NewGuid():N}.onnx");
        try
        {
            var result = new EdgeToolkit.Compression.Export.OnnxExporter().ExportAndVerify(pruned, spec, onnx);
            Assert.True(File.Exists(onnx));
            Assert.All(result.Checks, c => Assert.True(c.Passed, c.ToString()));
            Assert.Equal(0, result.ArgmaxMismatches);
        }
        finally
        {
            File.Delete(onnx);
        }
    }

    [Fact]
    public void Pruning_does_not_change_the_source_network()
    {
        using var source = Source();
        var before = source.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone());
        using var pruned = MobileNetWidthPruner.Prune(source, 0.5);
        foreach (var (key, t) in source.state_dict())
            Assert.True(Same(t, before[key]), key);
        Assert.Equal(1.0, source.Alpha);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-0.5)]
    [InlineData(1.25)]
    [InlineData(double.NaN)]
    public void Target_alpha_outside_the_range_is_rejected_naming_alpha(double alpha)
    {
        using var source = Source();
        var e = Assert.Throws<ArgumentException>(() => MobileNetWidthPruner.Plan(source, alpha));
        Assert.StartsWith("alpha:", e.Message, StringComparison.Ordinal);
    }
}
