using EdgeToolkit.Training.Models;
using EdgeToolkit.Training.Native;
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

    /// <summary>
    /// Builds the model of a spec and draws every weight and BatchNorm statistic from a generator of its own, seeded with
    /// <paramref name="seed"/>, so the model is the same in every run. The process-wide generator (which
    /// <c>ModelFactory</c>'s initialisation draws from) is shared with test classes running in parallel, so a model drawn
    /// from it after <c>manual_seed</c> differed from run to run: a flip-graph test's int8/float agreement fell to 5 of 8
    /// images in one CI run. The distributions are <c>WeightInit</c>'s (Kaiming-normal fan-out convolutions, N(0, 0.01)
    /// linear weights, zero biases) and the BatchNorm randomisation below.
    /// </summary>
    public static nn.Module<Tensor, Tensor> Create(ModelSpec spec, long seed = 7)
    {
        var model = ModelFactory.Create(spec);
        try
        {
            Redraw(model, (ulong)seed);
            model.eval();
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    private static void Redraw(nn.Module model, ulong seed)
    {
        using var generator = new torch.Generator(seed);
        DrawWeights(model, generator);
        RandomizeBatchNorms(model, generator);
    }

    /// <summary><see cref="DrawWeights(nn.Module, torch.Generator)"/> from a generator of its own seeded with <paramref name="seed"/>: the same model whatever runs beside it.</summary>
    public static void DrawWeights(nn.Module model, ulong seed)
    {
        using var generator = new torch.Generator(seed);
        DrawWeights(model, generator);
    }

    /// <summary>
    /// Draws every Conv2d and Linear weight from <paramref name="generator"/> with <c>WeightInit</c>'s distributions
    /// (Kaiming-normal fan-out convolutions, N(0, 0.01) linear weights, zero biases): a model the same in every run,
    /// whatever test classes running in parallel draw from the process-wide generator.
    /// </summary>
    public static void DrawWeights(nn.Module model, torch.Generator generator)
    {
        using (torch.no_grad())
        {
            foreach (var (_, m) in model.named_modules())
            {
                switch (m)
                {
                    case Conv2d conv:
                        var shape = conv.weight!.shape;
                        double fanOut = shape[0] * shape[2] * shape[3];
                        conv.weight.copy_(HeldScalars.Multiply(torch.randn(shape, generator: generator), Math.Sqrt(2 / fanOut)));
                        conv.bias?.zero_();
                        break;
                    case Linear linear:
                        linear.weight!.copy_(HeldScalars.Multiply(torch.randn(linear.weight.shape, generator: generator), 0.01));
                        linear.bias?.zero_();
                        break;
                }
            }
        }
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
                linear.weight!.copy_(HeldScalars.Multiply(torch.randn(linear.weight.shape, generator: generator), 8 / Math.Sqrt(linear.weight.shape[1])));
    }

    /// <summary>Randomises every BatchNorm's affine and running statistics, drawn from <paramref name="generator"/>
    /// (a generator of its own seeded 7 when none is given; see <see cref="Create"/> for why not the process-wide one).</summary>
    public static void RandomizeBatchNorms(nn.Module model, torch.Generator? generator = null)
    {
        using var own = generator is null ? new torch.Generator(7) : null;
        var g = generator ?? own!;
        using var noGrad = torch.no_grad();
        foreach (var (_, m) in model.named_modules())
        {
            if (m is not BatchNorm2d bn) continue;
            long c = bn.num_features;
            bn.running_mean!.copy_(HeldScalars.Multiply(torch.randn(c, generator: g), 0.2));
            bn.running_var!.copy_(HeldScalars.Add(torch.rand(c, generator: g), 0.5));
            bn.weight!.copy_(HeldScalars.Add(torch.rand(c, generator: g), 0.5));
            bn.bias!.copy_(HeldScalars.Multiply(torch.randn(c, generator: g), 0.2));
        }
    }
}
