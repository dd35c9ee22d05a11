using TorchSharp;
using static TorchSharp.torch;

namespace EdgeToolkit.Training.Models;

/// <summary>
/// Counts parameters and multiply-accumulates (MACs) of a model for one image, the way the
/// papers do: convolutions <c>Cout*Hout*Wout*(Cin/groups)*kh*kw</c>, linear layers
/// <c>in*out</c>; BatchNorm, activations, pooling, additions and concatenations count zero.
/// </summary>
public static class ModelComplexity
{
    /// <summary>Parameter and MAC counts of a model at one input size.</summary>
    /// <param name="Parameters">All parameters (weights, biases, BatchNorm scale and shift; not running statistics).</param>
    /// <param name="Macs">Multiply-accumulates for one image.</param>
    public sealed record Result(long Parameters, long Macs);

    /// <summary>
    /// Runs one zero batch-1 forward in eval mode under no_grad with forward hooks on every Conv2d
    /// and Linear; the model's training mode is restored afterwards.
    /// </summary>
    /// <exception cref="ArgumentException">A non-positive input dimension.</exception>
    public static Result Measure(nn.Module<Tensor, Tensor> model, int channels, int height, int width)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (channels < 1 || height < 1 || width < 1)
            throw new ArgumentException($"Input shape must be positive but was {channels}x{height}x{width}.", nameof(channels));

        long parameters = model.parameters().Sum(p => p.numel());
        long macs = 0;
        var removers = new List<Action>();
        foreach (var (_, module) in model.named_modules())
        {
            switch (module)
            {
                case TorchSharp.Modules.Conv2d conv:
                    removers.Add(conv.register_forward_hook((m, _, output) =>
                    {
                        var w = conv.weight!.shape; // [Cout, Cin/groups, kh, kw]
                        macs += output.numel() / output.shape[0] * w[1] * w[2] * w[3];
                        return output;
                    }).remove);
                    break;
                case TorchSharp.Modules.Linear linear:
                    removers.Add(linear.register_forward_hook((m, _, output) =>
                    {
                        macs += output.numel() / output.shape[0] * linear.weight!.shape[1];
                        return output;
                    }).remove);
                    break;
            }
        }

        bool wasTraining = model.training;
        try
        {
            model.eval();
            using var noGrad = torch.no_grad();
            using var scope = torch.NewDisposeScope();
            var device = model.parameters().FirstOrDefault()?.device ?? torch.CPU;
            var input = torch.zeros([1, channels, height, width], device: device);
            model.call(input);
        }
        finally
        {
            foreach (var remove in removers) remove();
            model.train(wasTraining);
        }
        return new Result(parameters, macs);
    }
}
