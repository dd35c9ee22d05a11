using TorchSharp;
using static TorchSharp.torch;

namespace EdgeToolkit.Training.Models;

/// <summary>The torchvision initialisation shared by every architecture.</summary>
internal static class WeightInit
{
    /// <summary>
    /// Kaiming-normal (fan-out, ReLU) for convolutions, BatchNorm weight 1 and bias 0,
    /// linear weights N(0, 0.01) and zero bias.
    /// </summary>
    public static void Apply(nn.Module model)
    {
        using var noGrad = torch.no_grad();
        foreach (var (_, m) in model.named_modules())
        {
            switch (m)
            {
                case TorchSharp.Modules.Conv2d conv:
                    nn.init.kaiming_normal_(conv.weight, mode: nn.init.FanInOut.FanOut, nonlinearity: nn.init.NonlinearityType.ReLU);
                    if (conv.bias is not null) nn.init.zeros_(conv.bias);
                    break;
                case TorchSharp.Modules.BatchNorm2d bn:
                    nn.init.ones_(bn.weight);
                    nn.init.zeros_(bn.bias);
                    break;
                case TorchSharp.Modules.Linear linear:
                    nn.init.normal_(linear.weight, 0, 0.01);
                    if (linear.bias is not null) nn.init.zeros_(linear.bias);
                    break;
            }
        }
    }
}
