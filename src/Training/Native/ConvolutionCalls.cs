using TorchSharp.Modules;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace EdgeToolkit.Training.Native;

/// <summary>
/// Forward passes through a <see cref="Conv2d"/> routed around two faults of libtorch's oneDNN (mkldnn) path: the wrong
/// input gradient of a k x k convolution (k &gt; 1) whose output channels are not a multiple of 16, and the slow weight
/// gradient of a zero-padded depthwise convolution on a map of 3 pixels or less (see <see cref="PadsExplicitly"/>).
/// </summary>
/// <remarks>
/// libtorch 2.10 (TorchSharp 0.107) runs CPU convolutions through oneDNN 3.7.1, which lays channels out in blocks of
/// 16 (8 on AVX2). For a 3x3 convolution with 12 or 20 output channels, the gradient with respect to its input
/// (oneDNN's backward_data) is not deterministic. The same weights, input and output gradient give a different input
/// gradient in most repetitions, and a NaN in some. The forward pass and the weight gradient are exact. With 16, 24, 32 or 48
/// output channels, with 1x1 and depthwise convolutions, and with oneDNN switched off, it is exact. This was measured on
/// AMD EPYC (AVX-512 and AVX2 kernels alike), 2026-11-30 (docs/training.md, "DenseNet's gradients").
/// DenseNet-BC's growth rate k = 12 makes every bottleneck's 3x3 <c>conv2</c> such a convolution. That was the
/// "non-finite conv0 gradient" of <c>ModelShapeTests</c>, and silently wrong gradients in every DenseNet step.
/// With gradients on, this runs the convolution with its weight padded by zero filters up to the next multiple of
/// 16 output channels, then keeps the real channels. The result and the parameters are unchanged (the padding
/// filters are constants). The extra filters cost 16/12 of that layer's arithmetic. The alternative, oneDNN off,
/// made a DenseNet step 3.7x slower. Without gradients (evaluation, export checks) the plain module runs.
/// </remarks>
internal static class ConvolutionCalls
{
    /// <summary>oneDNN's channel block on AVX-512; a multiple of AVX2's 8 too.</summary>
    internal const int ChannelBlock = 16;

    /// <summary><paramref name="conv"/> applied to <paramref name="x"/>, with exact gradients (see the type's remarks).</summary>
    public static Tensor Forward(Conv2d conv, Tensor x)
    {
        if (PadsExplicitly(conv, x))
        {
            using var padScope = NewDisposeScope();
            long[] p = conv.padding!;
            var padded = F.pad(x, [p[1], p[1], p[0], p[0]]);
            return F.conv2d(padded, conv.weight!, conv.bias, conv.stride, [0, 0], conv.dilation, conv.groups).MoveToOuterDisposeScope();
        }
        long outChannels = conv.weight!.shape[0];
        long pad = (ChannelBlock - outChannels % ChannelBlock) % ChannelBlock;
        bool pointwise = conv.weight.shape[2] == 1 && conv.weight.shape[3] == 1;
        if (pad == 0 || pointwise || conv.groups != 1 || !is_grad_enabled()
            || conv.padding_mode != PaddingModes.Zeros || conv.padding_type == Padding.Same)
            return conv.call(x);
        using var scope = NewDisposeScope();
        var shape = conv.weight.shape;
        using var zeros = torch.zeros([pad, shape[1], shape[2], shape[3]], dtype: conv.weight.dtype, device: conv.weight.device);
        var weight = torch.cat([conv.weight, zeros], 0);
        var bias = conv.bias is null ? null : torch.cat([conv.bias, torch.zeros(pad, dtype: conv.bias.dtype, device: conv.bias.device)]);
        long[] padding = conv.padding_type == Padding.Valid || conv.padding is null ? [0, 0] : conv.padding;
        var y = F.conv2d(x, weight, bias, conv.stride, padding, conv.dilation, conv.groups);
        return y.narrow(1, 0, outChannels).MoveToOuterDisposeScope();
    }

    /// <summary>Largest map side (pixels) on which <see cref="Forward"/> pads a depthwise convolution's input itself.</summary>
    internal const int SmallMap = 3;

    /// <summary>
    /// Whether <see cref="Forward"/> zero-pads the input of this depthwise convolution itself and convolves without
    /// padding: with gradients on, a depthwise convolution (groups = channels, one input channel per group) with zero padding
    /// on a map whose height or width is at most <see cref="SmallMap"/>.
    /// </summary>
    /// <remarks>
    /// oneDNN 3.7.1 (libtorch 2.10) has no depthwise kernel for the weight gradient of such a convolution and falls back to
    /// its generic GEMM convolution (<c>x64:gemm:jit</c> in <c>ONEDNN_VERBOSE</c>), about 100x slower: on the AMD EPYC Zen 5,
    /// batch 128, 1024 channels, 3x3, padding 1, the weight gradient took 42.8 ms on a 2x2 map, 65.8 ms on 1x1 and 40.5 ms on
    /// 3x3 with stride 2, against 0.2-0.4 ms for the same convolution written as an explicit zero pad and a convolution
    /// without padding (which the depthwise kernel takes; its input gradient costs more, 15.6 against 4.0 ms at 2x2, and the
    /// pad is a copy of a small map). MobileNet v1 at 28x28 or 32x32 input ends in such a layer (1024 channels at 2x2).
    /// Larger maps are left alone: there the kernel is found and the copy would cost. The arithmetic is the same sums.
    /// </remarks>
    internal static bool PadsExplicitly(Conv2d conv, Tensor x)
    {
        if (x.dim() != 4) return false; // an unbatched (C, H, W) input runs the plain module
        var shape = conv.weight!.shape;
        bool depthwise = conv.groups > 1 && shape[1] == 1 && conv.groups == x.shape[1];
        return depthwise && is_grad_enabled() && conv.weight.requires_grad
            && conv.padding_mode == PaddingModes.Zeros && conv.padding_type != Padding.Same && conv.padding_type != Padding.Valid
            && conv.padding is { Length: 2 } p && (p[0] > 0 || p[1] > 0)
            && Math.Min(x.shape[2], x.shape[3]) <= SmallMap;
    }
}
