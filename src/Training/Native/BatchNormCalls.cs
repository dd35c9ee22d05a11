using TorchSharp;
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
/// TorchSharp's (and PyTorch's) <c>_BatchNorm.forward</c>. With batch statistics (training mode), a contiguous float32
/// CPU input goes through <see cref="BatchNormReluFunction"/> (<see cref="BatchNormKernel"/>), with the ReLU that follows
/// fused where the caller says so (<see cref="ForwardRelu"/>, and a BatchNorm2d followed by a ReLU in a Sequential):
/// a quarter of a MobileNet v1 training step was libtorch's batch norm and ReLU (docs/training.md, "Performance notes").
/// </summary>
internal static class BatchNormCalls
{
    /// <summary>
    /// Whether training-mode batch norms of contiguous float32 CPU inputs run <see cref="BatchNormReluFunction"/> (the
    /// default) rather than libtorch's kernel. Tests switch it off to compare the two.
    /// </summary>
    internal static bool UseKernel { get; set; } = Environment.GetEnvironmentVariable("EDGEKIT_LIBTORCH_BATCHNORM") != "1";

    /// <summary><paramref name="bn"/> applied to <paramref name="x"/> (NCHW), updating the running statistics in training mode.</summary>
    /// <exception cref="ArgumentException"><paramref name="x"/> is not 4-dimensional.</exception>
    public static Tensor Forward(BatchNorm2d bn, Tensor x) => Apply(bn, x, relu: false);

    /// <summary><c>relu(bn(x))</c>: <see cref="Forward(BatchNorm2d, Tensor)"/> followed by a ReLU, one pass in training mode.</summary>
    /// <exception cref="ArgumentException"><paramref name="x"/> is not 4-dimensional.</exception>
    public static Tensor ForwardRelu(BatchNorm2d bn, Tensor x) => Apply(bn, x, relu: true);

    private static Tensor Apply(BatchNorm2d bn, Tensor x, bool relu)
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
        var runningMean = passStatistics ? bn.running_mean : null;
        var runningVariance = passStatistics ? bn.running_var : null;
        if (batchStatistics && UseKernel && bn.weight is { } weight && bn.bias is { } bias && BatchNormReluFunction.Accepts(x)
            && IsFloatVector(weight) && IsFloatVector(bias) && (runningMean is null || IsFloatVector(runningMean))
            && (runningVariance is null || IsFloatVector(runningVariance)))
        {
            return BatchNormReluFunction.apply(x, weight, bias,
                new BatchNormReluFunction.Settings(runningMean, runningVariance, factor, bn.eps, relu));
        }
        var y = F.batch_norm(x, runningMean, runningVariance, bn.weight, bn.bias, batchStatistics, factor, bn.eps);
        return relu ? y.relu_() : y;
    }

    private static bool IsFloatVector(Tensor t) =>
        t.dtype == ScalarType.Float32 && t.device_type == DeviceType.CPU && t.is_contiguous();

    /// <summary>
    /// <paramref name="sequential"/> applied to <paramref name="x"/>: its children in order, BatchNorm2d through
    /// <see cref="Forward(BatchNorm2d, Tensor)"/>, nested Sequentials likewise, the rest through their own <c>call</c>.
    /// </summary>
    public static Tensor Forward(Sequential sequential, Tensor x)
    {
        var children = sequential.children().ToList();
        for (int i = 0; i < children.Count; i++)
        {
            if (children[i] is BatchNorm2d norm && i + 1 < children.Count && children[i + 1] is ReLU)
            {
                x = ForwardRelu(norm, x);
                i++;
                continue;
            }
            x = children[i] switch
            {
                BatchNorm2d bn => Forward(bn, x),
                Sequential inner => Forward(inner, x),
                Module<Tensor, Tensor> module => module.call(x),
                var child => throw new InvalidOperationException($"{child.GetName()}: a Sequential child must map a tensor to a tensor."),
            };
        }
        return x;
    }
}
