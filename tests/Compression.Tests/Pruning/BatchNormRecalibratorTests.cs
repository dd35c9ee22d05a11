using EdgeToolkit.Compression.Pruning;
using EdgeToolkit.Compression.Tests.Evaluation;
using EdgeToolkit.Training.Data;
using EdgeToolkit.Training.Models;
using EdgeToolkit.Training.Native;
using EdgeToolkit.Training.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace EdgeToolkit.Compression.Tests.Pruning;

public sealed class BatchNormRecalibratorTests
{
    private static readonly ModelSpec Spec = new("mobilenet_v1", 10, 1, 16, 0.25) { Mean = [0.5f], Std = [0.25f] };

    private static MobileNetV1 Model()
    {
        torch.random.manual_seed(3);
        var model = new MobileNetV1(10, 0.25, inputChannels: 1, inputSize: 16);
        using (torch.no_grad())
        {
            foreach (var (key, t) in model.state_dict())
            {
                if (key.EndsWith("running_mean", StringComparison.Ordinal)) HeldScalars.Fill(t, 5.0); // stale statistics
                else if (key.EndsWith("running_var", StringComparison.Ordinal)) HeldScalars.Fill(t, 9.0);
                else if (key.EndsWith(".bias", StringComparison.Ordinal)) t.copy_(HeldScalars.Multiply(torch.randn(t.shape), 0.1));
            }
        }
        model.eval();
        return model;
    }

    [Fact]
    public void Recalibration_changes_only_the_running_statistics()
    {
        using var model = Model();
        var before = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone());
        var momentum = model.modules().OfType<TorchSharp.Modules.BatchNorm>().Select(n => n.momentum).ToList();

        int layers = BatchNormRecalibrator.Recalibrate(model, Spec, EvaluationTestData.Grey28(96), images: 64, batchSize: 32);

        Assert.Equal(27, layers); // stem + 2 per depthwise-separable layer
        Assert.False(model.training);
        Assert.Equal(momentum, model.modules().OfType<TorchSharp.Modules.BatchNorm>().Select(n => n.momentum).ToList());
        foreach (var (key, t) in model.state_dict())
        {
            bool statistic = key.EndsWith("running_mean", StringComparison.Ordinal) || key.EndsWith("running_var", StringComparison.Ordinal)
                || key.EndsWith("num_batches_tracked", StringComparison.Ordinal);
            bool same = t.shape.SequenceEqual(before[key].shape) && t.eq(before[key]).all().item<bool>();
            if (statistic) Assert.False(same, $"{key} should have been re-estimated");
            else Assert.True(same, $"{key} must not change");
        }
        foreach (var p in model.parameters()) Assert.Null(p.grad);
    }

    [Fact]
    public void Statistics_are_the_cumulative_average_over_the_sample()
    {
        using var model = Model();
        var data = EvaluationTestData.Grey28(64);
        // Two batches of 32: the cumulative average of the two batch means (unbiased variance per batch).
        BatchNormRecalibrator.Recalibrate(model, Spec, data, images: 64, batchSize: 32);

        using var loader = new BatchLoader(data, ClassifierEvaluator.LoaderOptions(Spec, 32));
        var means = new List<Tensor>();
        var vars = new List<Tensor>();
        var conv = (TorchSharp.Modules.Conv2d)model.Stem.children().First();
        using (torch.no_grad())
        {
            foreach (var (x, y) in loader.Batches(0))
            {
                using var images = x;
                using var labels = y;
                var z = conv.call(images);
                means.Add(z.mean([0, 2, 3]));
                vars.Add(z.var([0, 2, 3], unbiased: true));
            }
        }
        var state = model.state_dict();
        using var expectedMean = HeldScalars.Divide(HeldScalars.Add(means[0], means[1]), 2);
        using var expectedVar = HeldScalars.Divide(HeldScalars.Add(vars[0], vars[1]), 2);
        Assert.True(state["features.0.1.running_mean"].allclose(expectedMean, rtol: 1e-4, atol: 1e-5));
        Assert.True(state["features.0.1.running_var"].allclose(expectedVar, rtol: 1e-4, atol: 1e-5));
        Assert.Equal(2, state["features.0.1.num_batches_tracked"].item<long>());
    }

    [Fact]
    public void Fewer_than_two_images_are_refused_naming_the_setting()
    {
        using var model = Model();
        var e = Assert.Throws<ArgumentException>(() => BatchNormRecalibrator.Recalibrate(model, Spec, EvaluationTestData.Grey28(8), images: 1));
        Assert.Contains("recalibrationImages", e.Message, StringComparison.Ordinal);
    }
}
