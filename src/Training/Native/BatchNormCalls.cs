using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using F = TorchSharp.torch.nn.functional;

namespace EdgeToolkit.Training.Native;

/// <summary>
/// Forward passes through <see cref="TorchSharp.Modules.BatchNorm2d"/> (and the <see cref="TorchSharp.Modules.Sequential"/>s that hold one) without
/// TorchSharp's <c>BatchNorm.forward</c>, whose <c>num_batches_tracked.add_(1)</c> passes libtorch two temporary
/// scalars that a concurrent garbage collection can free mid-call (see <see cref="HeldScalars"/>). The module,
/// its parameters, buffers and state_dict keys are unchanged; only the call differs. Same arithmetic as
/// TorchSharp's (and PyTorch's) <c>_BatchNorm.forward</c>.
/// </summary>
internal static class BatchNormCalls
{
    /// <summary><paramref name="bn"/> applied to <paramref name="x"/> (NCHW), updating the running statistics in training mode.</summary>
    /// <exception cref="ArgumentException"><paramref name="x"/> is not 4-dimensional.</exception>
    public static Tensor Forward(BatchNorm2d bn, Tensor x)
    {
        if (x.dim() != 4)
            throw new ArgumentException($"BatchNorm2d expects a 4-D (NCHW) input but got {x.dim()} dimensions.", nameof(x));
        double factor = bn.momentum ?? 0.0;
        if (bn.training && bn.track_running_stats && bn.num_batches_tracked is { } tracked)
        {
            tracked.add_(HeldScalars.One, HeldScalars.One);
            if (bn.momentum is null) factor = 1.0 / tracked.item<long>();
        }
        bool batchStatistics = bn.training || (bn.running_mean is null && bn.running_var is null);
        bool passStatistics = !bn.training || bn.track_running_stats;
        return F.batch_norm(x, passStatistics ? bn.running_mean : null, passStatistics ? bn.running_var : null,
            bn.weight, bn.bias, batchStatistics, factor, bn.eps);
    }

    /// <summary>
    /// <paramref name="sequential"/> applied to <paramref name="x"/>: its children in order, BatchNorm2d through
    /// <see cref="Forward(BatchNorm2d, Tensor)"/>, nested Sequentials likewise, the rest through their own <c>call</c>.
    /// </summary>
    public static Tensor Forward(Sequential sequential, Tensor x)
    {
        foreach (var child in sequential.children())
        {
            x = child switch
            {
                BatchNorm2d bn => Forward(bn, x),
                Sequential inner => Forward(inner, x),
                Module<Tensor, Tensor> module => module.call(x),
                _ => throw new InvalidOperationException($"{child.GetName()}: a Sequential child must map a tensor to a tensor."),
            };
        }
        return x;
    }
}
