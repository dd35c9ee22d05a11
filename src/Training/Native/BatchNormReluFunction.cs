using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.autograd;

namespace EdgeToolkit.Training.Native;

/// <summary>
/// <c>relu(batch_norm(x))</c> (or <c>batch_norm(x)</c>) with batch statistics, as one autograd node whose forward and
/// backward run <see cref="BatchNormKernel"/>; updates the running statistics like libtorch's training-mode batch norm.
/// </summary>
/// <remarks>
/// Arguments of <c>apply</c>: the input (contiguous float32 NCHW on the CPU), the weight, the bias and a
/// <see cref="Settings"/>. The input, weight and bias are saved for the backward with the batch mean and inverse
/// standard deviation; the output is not (the ReLU's mask is recomputed from the input), so an in-place operation on
/// the output afterwards (a residual addition) is safe.
/// </remarks>
internal sealed class BatchNormReluFunction : SingleTensorFunction<BatchNormReluFunction>
{
    /// <summary>What is not a tensor the autograd graph tracks: running statistics (updated in place), momentum, epsilon, the ReLU.</summary>
    public sealed record Settings(Tensor? RunningMean, Tensor? RunningVariance, double Momentum, double Eps, bool Relu);

    private const string ReluKey = "relu";
    private static long forwards;

    /// <summary>Forward passes run through the kernel since the process started (tests check that a path takes it).</summary>
    internal static long Forwards => Interlocked.Read(ref forwards);

    /// <inheritdoc/>
    public override string Name => "BatchNormRelu";

    /// <inheritdoc/>
    public override unsafe Tensor forward(AutogradContext ctx, params object[] vars)
    {
        Interlocked.Increment(ref forwards);
        var x = (Tensor)vars[0];
        var weight = (Tensor)vars[1];
        var bias = (Tensor)vars[2];
        var settings = (Settings)vars[3];
        int images = (int)x.shape[0], channels = (int)x.shape[1];
        int planeSize = checked((int)(x.shape[2] * x.shape[3]));
        var y = torch.empty_like(x);
        var mean = torch.empty(channels, ScalarType.Float32);
        var invStd = torch.empty(channels, ScalarType.Float32);
        using var variance = torch.empty(channels, ScalarType.Float32);
        BatchNormKernel.Forward(Data(x), Data(y), images, channels, planeSize, Data(weight), Data(bias), settings.Eps,
            settings.Relu, Data(mean), Data(invStd), Data(variance), torch.get_num_threads());
        UpdateRunning(settings.RunningMean, mean, settings.Momentum);
        UpdateRunning(settings.RunningVariance, variance, settings.Momentum);
        GC.KeepAlive(x);
        GC.KeepAlive(weight);
        GC.KeepAlive(bias);
        ctx.save_for_backward([x, weight, bias, mean, invStd]);
        ctx.save_data(ReluKey, settings.Relu);
        return y;
    }

    /// <inheritdoc/>
    public override unsafe List<Tensor> backward(AutogradContext ctx, Tensor grad_output)
    {
        var saved = ctx.get_saved_variables();
        var (x, weight, bias, mean, invStd) = (saved[0], saved[1], saved[2], saved[3], saved[4]);
        bool relu = (bool)ctx.get_data(ReluKey);
        var dy = grad_output.contiguous();
        int images = (int)x.shape[0], channels = (int)x.shape[1];
        int planeSize = checked((int)(x.shape[2] * x.shape[3]));
        var dx = torch.empty_like(x);
        var dWeight = torch.empty(channels, ScalarType.Float32);
        var dBias = torch.empty(channels, ScalarType.Float32);
        BatchNormKernel.Backward(Data(dy), Data(x), Data(dx), images, channels, planeSize, Data(weight), Data(bias),
            Data(mean), Data(invStd), relu, Data(dWeight), Data(dBias), torch.get_num_threads());
        GC.KeepAlive(dy);
        foreach (var t in saved) GC.KeepAlive(t);
        return [dx, dWeight, dBias, null!];
    }

    /// <summary>Whether <paramref name="x"/> is what the kernel takes: a contiguous float32 4-D CPU tensor with a non-empty batch.</summary>
    public static bool Accepts(Tensor x) =>
        x.dim() == 4 && x.dtype == ScalarType.Float32 && x.device_type == DeviceType.CPU && x.is_contiguous() && x.numel() > 0;

    // running = (1 - momentum) * running + momentum * batch, element by element on the buffers' memory (no autograd,
    // no temporary scalars).
    private static unsafe void UpdateRunning(Tensor? running, Tensor batch, double momentum)
    {
        if (running is null) return;
        float* r = Data(running);
        float* b = Data(batch);
        long n = batch.numel();
        for (long i = 0; i < n; i++) r[i] = (float)((1.0 - momentum) * r[i] + momentum * b[i]);
        GC.KeepAlive(running);
        GC.KeepAlive(batch);
    }

    private static unsafe float* Data(Tensor t) => (float*)TensorData(t.Handle);

    [DllImport("LibTorchSharp", EntryPoint = "THSTensor_data")]
    private static extern IntPtr TensorData(IntPtr handle);
}
