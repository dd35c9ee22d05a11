using EdgeToolkit.Training.Models;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace EdgeToolkit.Compression.Tests.Export;

/// <summary>Small models for export tests, with non-trivial BatchNorm statistics so folding is exercised.</summary>
internal static class ExportTestModels
{
    /// <summary>A spec by short name; sizes are kept small so the tests stay fast.</summary>
    public static ModelSpec Spec(string architecture, int channels, int size, double alpha = 1.0, int classes = 10)
    {
        var spec = new ModelSpec(architecture, classes, channels, size, alpha)
        {
            Mean = Enumerable.Repeat(0.5f, channels).ToArray(),
            Std = Enumerable.Repeat(0.25f, channels).ToArray(),
            Labels = Enumerable.Range(0, classes).Select(i => $"class{i}").ToArray(),
        };
        return architecture.StartsWith("densenet", StringComparison.Ordinal) ? spec with { GrowthRate = 4 } : spec;
    }

    /// <summary>Builds the model of a spec and randomises every BatchNorm's affine and running statistics.</summary>
    public static nn.Module<Tensor, Tensor> Create(ModelSpec spec, long seed = 7)
    {
        torch.random.manual_seed(seed);
        var model = ModelFactory.Create(spec);
        RandomizeBatchNorms(model);
        model.eval();
        return model;
    }

    /// <summary>
    /// Gives every Linear layer N(0, 64 / fan-in) weights (its own seeded generator) so an untrained model's predictions
    /// spread over classes, with logits of the scale a trained classifier gives whatever the width (N(0, 1) at 64 features,
    /// as before for the CIFAR ResNets). N(0, 1) at ResNet-18's 512 features made logits so large that float rounding between
    /// TorchSharp and ONNX Runtime (1.07e-4 in a CI run, with weights drawn from the process-wide generator that parallel
    /// tests also draw from) exceeded the export's absolute tolerance of 1e-4.
    /// </summary>
    public static void WidenClassifier(nn.Module model)
    {
        using var noGrad = torch.no_grad();
        using var generator = new torch.Generator(11);
        foreach (var (_, m) in model.named_modules())
            if (m is Linear linear)
                linear.weight!.copy_(torch.randn(linear.weight.shape, generator: generator) * (8 / Math.Sqrt(linear.weight.shape[1])));
    }

    public static void RandomizeBatchNorms(nn.Module model)
    {
        using var noGrad = torch.no_grad();
        foreach (var (_, m) in model.named_modules())
        {
            if (m is not BatchNorm2d bn) continue;
            long c = bn.num_features;
            bn.running_mean!.copy_(torch.randn(c) * 0.2);
            bn.running_var!.copy_(torch.rand(c) + 0.5);
            bn.weight!.copy_(torch.rand(c) + 0.5);
            bn.bias!.copy_(torch.randn(c) * 0.2);
        }
    }
}
