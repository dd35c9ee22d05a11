using EdgeToolkit.Compression.Export;
using EdgeToolkit.Compression.Pruning;
using EdgeToolkit.Compression.Tests.Evaluation;
using EdgeToolkit.ModelBundle;
using EdgeToolkit.Training.Models;
using EdgeToolkit.Training.Native;
using EdgeToolkit.Training.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace EdgeToolkit.Compression.Tests.Pruning;

public sealed class ChannelPlanPruningTests : IDisposable
{
    private const int Classes = 10;
    private const int InputSize = 16;
    private readonly string dir = Directory.CreateTempSubdirectory("channel-plan-tests-").FullName;

    /// <summary>A non-uniform plan below alpha 0.5 in some layers and above it in others.</summary>
    private static readonly int[] Plan = [24, 40, 64, 96, 128, 200, 256, 320, 256, 192, 256, 320, 512, 400];

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private static MobileNetV1 Source()
    {
        torch.random.manual_seed(1);
        var model = new MobileNetV1(Classes, 1.0, inputChannels: 1, inputSize: InputSize);
        using (torch.no_grad())
        {
            foreach (var (key, t) in model.state_dict())
            {
                if (key.EndsWith("running_mean", StringComparison.Ordinal)) t.copy_(HeldScalars.Multiply(torch.randn(t.shape), 0.1));
                else if (key.EndsWith("running_var", StringComparison.Ordinal)) t.copy_(HeldScalars.Add(torch.rand(t.shape), 0.5));
                else if (key.EndsWith(".bias", StringComparison.Ordinal) && !key.StartsWith("classifier", StringComparison.Ordinal)) t.copy_(HeldScalars.Multiply(torch.randn(t.shape), 0.1));
            }
        }
        model.eval();
        return model;
    }

    private static string Shapes(nn.Module m) => string.Join(";", m.state_dict().Select(kv => $"{kv.Key}={string.Join("x", kv.Value.shape)}"));

    [Fact]
    public void Non_uniform_plan_gives_exactly_the_keys_and_shapes_of_a_fresh_net_built_from_the_plan()
    {
        using var source = Source();
        var plan = MobileNetWidthPruner.Plan(source, Plan, MobileNetWidthPruner.Scores(source, ChannelImportance.L1Norm));
        using var pruned = MobileNetWidthPruner.Apply(source, plan);
        using var fresh = new MobileNetV1(Classes, Plan, inputChannels: 1, inputSize: InputSize);

        Assert.Equal(Shapes(fresh), Shapes(pruned));
        Assert.Equal(Plan, pruned.ChannelPlan);
        Assert.False(plan.IsUniform);
        Assert.Equal(MobileNetV1.NominalAlpha(Plan), plan.TargetAlpha);
        using var x = torch.randn(2, 1, InputSize, InputSize);
        using var y = pruned.call(x);
        Assert.Equal(new long[] { 2, Classes }, y.shape);
    }

    [Fact]
    public void A_non_uniform_net_can_be_pruned_again_to_a_smaller_plan()
    {
        using var source = Source();
        using var first = MobileNetWidthPruner.Apply(source, MobileNetWidthPruner.Plan(source, Plan, MobileNetWidthPruner.Scores(source, ChannelImportance.BatchNormScale)));
        int[] smaller = Plan.Select(c => Math.Max(8, c / 2)).ToArray();
        using var second = MobileNetWidthPruner.Apply(first, MobileNetWidthPruner.Plan(first, smaller, MobileNetWidthPruner.Scores(first, ChannelImportance.L1Norm)));
        using var fresh = new MobileNetV1(Classes, smaller, inputChannels: 1, inputSize: InputSize);
        Assert.Equal(Shapes(fresh), Shapes(second));
    }

    [Fact]
    public void Uniform_plan_is_the_simple_case_of_a_channel_plan()
    {
        using var byAlpha = new MobileNetV1(Classes, 0.5, inputChannels: 1, inputSize: InputSize);
        using var byPlan = new MobileNetV1(Classes, MobileNetV1.Channels(0.5), inputChannels: 1, inputSize: InputSize);
        Assert.Equal(Shapes(byAlpha), Shapes(byPlan));
        using var source = Source();
        var plan = MobileNetWidthPruner.Plan(source, 0.5);
        Assert.True(plan.IsUniform);
        Assert.Null(plan.Spec(new ModelSpec("mobilenet_v1", Classes, 1, InputSize)).ChannelPlan);
    }

    [Fact]
    public void A_layer_that_would_grow_is_refused_naming_it()
    {
        using var source = new MobileNetV1(Classes, 0.5, inputChannels: 1, inputSize: InputSize);
        var e = Assert.Throws<ArgumentException>(() => MobileNetWidthPruner.Plan(source, Plan, MobileNetWidthPruner.Scores(source, ChannelImportance.L1Norm)));
        Assert.Contains("channelPlan[0]", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { 8, 8, 8 }, "14 entries")]
    [InlineData(new[] { 24, 40, 64, 96, 128, 200, 256, 0, 256, 192, 256, 320, 512, 400 }, "ChannelPlan[7]")]
    [InlineData(new[] { 24, 40, 64, 96, 128, 200, 256, 320, 256, 192, 256, 320, 512, 99999 }, "ChannelPlan[13]")]
    public void Invalid_plans_are_refused_naming_the_entry(int[] plan, string expected)
    {
        var e = Assert.Throws<ArgumentException>(() => ModelFactory.Create(new ModelSpec("mobilenet_v1", Classes, 1, InputSize) { ChannelPlan = plan }));
        Assert.Contains("ModelSpec.", e.Message, StringComparison.Ordinal);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Channel_plan_is_refused_for_other_architectures()
    {
        var e = Assert.Throws<ArgumentException>(() => ModelFactory.Validate(new ModelSpec("resnet20", Classes, 1, InputSize) { ChannelPlan = Plan }));
        Assert.Contains("ModelSpec.ChannelPlan", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_travels_through_the_checkpoint_the_export_parity_check_and_the_manifest()
    {
        using var source = Source();
        var plan = MobileNetWidthPruner.Plan(source, Plan, MobileNetWidthPruner.Scores(source, ChannelImportance.L1Norm));
        using var pruned = MobileNetWidthPruner.Apply(source, plan);
        var spec = plan.Spec(new ModelSpec("mobilenet_v1", Classes, 1, InputSize) { Mean = [0.5f], Std = [0.25f] });
        string checkpoint = Path.Combine(dir, "ckpt");
        Checkpoint.Save(checkpoint, pruned, spec, null);

        using (var loaded = Checkpoint.Load(checkpoint))
        {
            Assert.Equal(Plan, loaded.Spec.ChannelPlan);
            Assert.Equal(Plan, ((MobileNetV1)loaded.Model).ChannelPlan);
        }
        string bundle = Path.Combine(dir, "bundle");
        var result = BundleExporter.ExportCheckpoint(checkpoint, bundle, EvaluationTestData.Grey28(8));

        Assert.All(result.Export.Checks, c => Assert.True(c.Passed, c.ToString()));
        Assert.Equal(0, result.Export.ArgmaxMismatches);
        var manifest = ModelBundleFolder.Read(bundle).Manifest;
        Assert.Equal(Plan, manifest.ChannelPlan);
        Assert.Equal(ModelComplexity.Measure(pruned, 1, InputSize, InputSize).Macs, manifest.Macs);
    }

    [Fact]
    public void Taylor_scores_are_zero_for_a_channel_that_is_switched_off()
    {
        using var source = Source();
        var spec = new ModelSpec("mobilenet_v1", Classes, 1, InputSize) { Mean = [0.5f], Std = [0.25f] };
        var state = source.state_dict();
        using (torch.no_grad())
        {
            state["features.3.bn2.weight"][5].zero_();
            state["features.3.bn2.bias"][5].zero_();
        }
        var scores = TaylorImportance.Measure(source, spec, EvaluationTestData.Grey28(32), batches: 2, batchSize: 16);

        Assert.Equal(source.ChannelPlan, scores.Select(s => s.Length));
        Assert.Equal(0.0, scores[3][5]);
        Assert.Contains(scores[3], s => s > 0); // live channels score
        foreach (var p in source.parameters()) Assert.True(p.grad is null || p.grad.abs().sum().item<float>() == 0);
    }
}
