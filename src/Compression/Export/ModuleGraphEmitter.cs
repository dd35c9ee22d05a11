using EdgeToolkit.Training.Models;
using EdgeToolkit.Training.Native;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using B = EdgeToolkit.Compression.Export.OnnxGraphBuilder;

namespace EdgeToolkit.Compression.Export;

/// <summary>
/// Translates a TorchSharp module tree into ONNX nodes. Containers are walked in their forward order;
/// architecture blocks whose forward is code (residual Add, Concat, shortcuts) are matched by type.
/// </summary>
internal sealed class ModuleGraphEmitter
{
    private const string Supported =
        "Sequential, Conv2d, BatchNorm2d, ReLU, ReLU6, AvgPool2d, MaxPool2d, AdaptiveAvgPool2d(1), Flatten(1), Linear, Dropout, Identity, " +
        "ResNet (BasicBlock, PadShortcut), MobileNetV1 (DepthwiseSeparable), DenseNet (DenseBlock, DenseLayer, Transition)";

    private readonly B b;
    private readonly OnnxExportOptions options;
    private readonly Dictionary<nn.Module, string> paths = new(ReferenceEqualityComparer.Instance);

    public ModuleGraphEmitter(B builder, OnnxExportOptions options, nn.Module root)
    {
        b = builder;
        this.options = options;
        foreach (var (name, module) in root.named_modules())
            paths.TryAdd(module, name);
    }

    /// <summary>The state-dict prefix of a module ("" for the root).</summary>
    public string PathOf(nn.Module m) => paths.TryGetValue(m, out var p) ? p : m.GetName();

    private string Label(nn.Module m) => PathOf(m) is { Length: > 0 } p ? p : "(root)";

    private static string Join(string prefix, string name) => prefix.Length == 0 ? name : $"{prefix}.{name}";

    /// <summary>Emits <paramref name="m"/> applied to value <paramref name="x"/>; returns the output value.</summary>
    public string Emit(nn.Module m, string x)
    {
        switch (m)
        {
            case MobileNetV1 net:
                x = Emit(net.Features, x);
                x = Emit(net.AvgPool, x);
                x = FlattenFrom1(Join(PathOf(net), "flatten"), x);
                return Emit(net.Classifier, x);
            case MobileNetV1.DepthwiseSeparable block:
                x = ConvBn(block.Depthwise, block.Bn1, x);
                x = Emit(block.Relu1, x);
                x = ConvBn(block.Pointwise, block.Bn2, x);
                return Emit(block.Relu2, x);
            case ResNet net:
                x = ConvBn(net.Conv1, net.Bn1, x);
                x = Emit(net.Relu, x);
                foreach (var stage in net.Layers) x = Emit(stage, x);
                x = Emit(net.AvgPool, x);
                x = FlattenFrom1(Join(PathOf(net), "flatten"), x);
                return Emit(net.Fc, x);
            case ResNet.BasicBlock block:
            {
                var y = ConvBn(block.Conv1, block.Bn1, x);
                y = Emit(block.Relu, y);
                y = ConvBn(block.Conv2, block.Bn2, y);
                var shortcut = block.Downsample is null ? x : Emit(block.Downsample, x);
                string path = PathOf(block);
                var sum = b.AddNode("Add", Join(path, "add"), [y, shortcut], Join(path, "add"));
                return Emit(block.Relu, sum);
            }
            case ResNet.PadShortcut shortcut:
                return PadShortcut(shortcut, x);
            case DenseNet net:
                x = Emit(net.Features, x);
                x = Emit(net.Relu, x);
                x = Emit(net.AvgPool, x);
                x = FlattenFrom1(Join(PathOf(net), "flatten"), x);
                return Emit(net.Classifier, x);
            case DenseNet.DenseBlock block:
                foreach (var layer in block.Layers)
                {
                    var added = Emit(layer, x);
                    string path = PathOf(layer);
                    x = b.AddNode("Concat", Join(path, "concat"), [x, added], Join(path, "concat"), B.Int("axis", 1));
                }
                return x;
            case DenseNet.DenseLayer layer:
                x = StandaloneBatchNorm(layer.Norm1, x);
                x = Emit(layer.Relu1, x);
                x = ConvBn(layer.Conv1, layer.Norm2, x);
                x = Emit(layer.Relu2, x);
                return ConvBn(layer.Conv2, null, x);
            case DenseNet.Transition transition:
                x = StandaloneBatchNorm(transition.Norm, x);
                x = Emit(transition.Relu, x);
                x = ConvBn(transition.Conv, null, x);
                return Emit(transition.Pool, x);
            case Sequential seq:
                return EmitSequential(seq, x);
            case Conv2d conv:
                return ConvBn(conv, null, x);
            case BatchNorm2d bn:
                return StandaloneBatchNorm(bn, x);
            case ReLU relu:
                return b.AddNode("Relu", Label(relu), [x], Join(PathOf(relu), "out"));
            case ReLU6 relu6:
                return Clip(relu6, 0, 6, x);
            case AvgPool2d pool:
                return AvgPool(pool, x);
            case MaxPool2d pool:
                return MaxPool(pool, x);
            case AdaptiveAvgPool2d pool:
                if (pool.output_size.Any(s => s != 1))
                    throw Unsupported(pool, $"AdaptiveAvgPool2d output size [{string.Join(", ", pool.output_size)}] (only 1 -> GlobalAveragePool)");
                return b.AddNode("GlobalAveragePool", Label(pool), [x], Join(PathOf(pool), "out"));
            case Flatten flatten:
                if (flatten.start_dim != 1 || flatten.end_dim != -1)
                    throw Unsupported(flatten, $"Flatten(start_dim {flatten.start_dim}, end_dim {flatten.end_dim}) (only start_dim 1, end_dim -1)");
                return FlattenFrom1(PathOf(flatten), x);
            case Linear linear:
                return Gemm(linear, x);
            case Dropout or Identity:
                return x; // identity in eval mode
            default:
                throw Unsupported(m, null);
        }
    }

    /// <summary>The exception for a module the exporter cannot translate.</summary>
    public OnnxExportException Unsupported(nn.Module m, string? detail) =>
        new($"module '{Label(m)}' of type {m.GetType().FullName} cannot be exported to ONNX" +
            (detail is null ? $"; supported modules: {Supported}" : $": {detail} is not supported"));

    private string EmitSequential(Sequential seq, string x)
    {
        var children = seq.children().ToList();
        for (int i = 0; i < children.Count; i++)
        {
            if (children[i] is Conv2d conv && i + 1 < children.Count && children[i + 1] is BatchNorm2d bn)
            {
                x = ConvBn(conv, bn, x);
                i++;
            }
            else
            {
                x = Emit(children[i], x);
            }
        }
        return x;
    }

    /// <summary>Conv2d with an optional following BatchNorm2d folded into its weights and bias.</summary>
    public string ConvBn(Conv2d conv, BatchNorm2d? bn, string x)
    {
        if (conv.padding_mode != PaddingModes.Zeros)
            throw Unsupported(conv, $"padding mode {conv.padding_mode}");
        if (conv.padding_type == Padding.Same)
            throw Unsupported(conv, "padding 'same'");
        if (conv.kernel_size.Length != 2)
            throw Unsupported(conv, $"kernel of rank {conv.kernel_size.Length}");
        long[] pad = conv.padding_type == Padding.Valid || conv.padding is null ? [0, 0] : conv.padding;
        string path = PathOf(conv);
        float[] weight, bias;
        bool hasBias = conv.bias is not null || bn is not null;
        using (var scope = torch.NewDisposeScope())
        using (torch.no_grad())
        {
            var w = conv.weight!.detach().to(ScalarType.Float64);
            var bvec = conv.bias is null ? torch.zeros(conv.out_channels, ScalarType.Float64) : conv.bias.detach().to(ScalarType.Float64);
            if (bn is not null)
            {
                var (scale, shift) = BatchNormAffine(bn);
                w = w * scale.view(-1, 1, 1, 1);
                bvec = HeldScalars.Add(bvec * scale, shift);
            }
            weight = ToFloats(w);
            bias = ToFloats(bvec);
        }
        var inputs = new List<string> { x, b.AddFloat(Join(path, "weight"), weight, conv.weight.shape) };
        if (hasBias) inputs.Add(b.AddFloat(Join(path, "bias"), bias, conv.out_channels));
        return b.AddNode("Conv", bn is null ? path : $"{path}+{PathOf(bn)}", inputs, Join(bn is null ? path : PathOf(bn), "out"),
            B.Ints("kernel_shape", conv.kernel_size),
            B.Ints("strides", conv.stride),
            B.Ints("pads", pad[0], pad[1], pad[0], pad[1]),
            B.Ints("dilations", conv.dilation),
            B.Int("group", conv.groups));
    }

    /// <summary>A BatchNorm2d on its own: a depthwise 1x1 Conv or a BatchNormalization node (options).</summary>
    public string StandaloneBatchNorm(BatchNorm2d bn, string x)
    {
        string path = PathOf(bn);
        long c = bn.num_features;
        if (options.StandaloneBatchNorm == StandaloneBatchNormMode.DepthwiseConv)
        {
            float[] scale, shift;
            using (var scope = torch.NewDisposeScope())
            using (torch.no_grad())
            {
                var (s, t) = BatchNormAffine(bn);
                scale = ToFloats(s);
                shift = ToFloats(t);
            }
            return b.AddNode("Conv", path,
                [x, b.AddFloat(Join(path, "weight"), scale, c, 1, 1, 1), b.AddFloat(Join(path, "bias"), shift, c)],
                Join(path, "out"),
                B.Ints("kernel_shape", 1, 1), B.Ints("strides", 1, 1), B.Ints("pads", 0, 0, 0, 0), B.Ints("dilations", 1, 1), B.Int("group", c));
        }
        RequireRunningStats(bn);
        float[] gamma, beta, mean, variance;
        using (var scope = torch.NewDisposeScope())
        using (torch.no_grad())
        {
            gamma = bn.weight is null ? Enumerable.Repeat(1f, (int)c).ToArray() : ToFloats(bn.weight.detach());
            beta = bn.bias is null ? new float[c] : ToFloats(bn.bias.detach());
            mean = ToFloats(bn.running_mean!);
            variance = ToFloats(bn.running_var!);
        }
        return b.AddNode("BatchNormalization", path,
            [x, b.AddFloat(Join(path, "weight"), gamma, c), b.AddFloat(Join(path, "bias"), beta, c),
             b.AddFloat(Join(path, "running_mean"), mean, c), b.AddFloat(Join(path, "running_var"), variance, c)],
            Join(path, "out"), B.Float("epsilon", (float)bn.eps));
    }

    /// <summary>Emits a Relu for a ReLU module (used by blocks that apply one functionally).</summary>
    public string Relu(string nodeName, string x) => b.AddNode("Relu", nodeName, [x], Join(nodeName, "out"));

    private void RequireRunningStats(BatchNorm2d bn)
    {
        if (bn.running_mean is null || bn.running_var is null)
            throw Unsupported(bn, "BatchNorm2d without running statistics (track_running_stats = false)");
    }

    /// <summary>Per-channel (scale, shift) of an eval-mode BatchNorm, in float64.</summary>
    private (Tensor Scale, Tensor Shift) BatchNormAffine(BatchNorm2d bn)
    {
        RequireRunningStats(bn);
        var mean = bn.running_mean!.detach().to(ScalarType.Float64);
        var variance = bn.running_var!.detach().to(ScalarType.Float64);
        var gamma = bn.weight is null ? torch.ones_like(mean) : bn.weight.detach().to(ScalarType.Float64);
        var beta = bn.bias is null ? torch.zeros_like(mean) : bn.bias.detach().to(ScalarType.Float64);
        var scale = gamma / torch.sqrt(HeldScalars.Add(variance, bn.eps));
        return (scale, beta - mean * scale);
    }

    private string Clip(nn.Module m, float min, float max, string x)
    {
        string path = PathOf(m);
        return b.AddNode("Clip", Label(m), [x, b.AddScalar(Join(path, "min"), min), b.AddScalar(Join(path, "max"), max)], Join(path, "out"));
    }

    private string AvgPool(AvgPool2d pool, string x)
    {
        if (pool.divisor_override is not null)
            throw Unsupported(pool, "divisor_override");
        long[] kernel = Pair(pool.kernel_size);
        long[] stride = pool.stride is { Length: > 0 } s ? Pair(s) : kernel;
        long[] pad = pool.padding is { Length: > 0 } p ? Pair(p) : [0, 0];
        return b.AddNode("AveragePool", Label(pool), [x], Join(PathOf(pool), "out"),
            B.Ints("kernel_shape", kernel), B.Ints("strides", stride), B.Ints("pads", pad[0], pad[1], pad[0], pad[1]),
            B.Int("ceil_mode", pool.ceil_mode ? 1 : 0), B.Int("count_include_pad", pool.count_include_pad ? 1 : 0));
    }

    private string MaxPool(MaxPool2d pool, string x)
    {
        long[] kernel = Pair(pool.kernel_size);
        long[] stride = pool.stride is { Length: > 0 } s ? Pair(s) : kernel;
        long[] pad = pool.padding is { Length: > 0 } p ? Pair(p) : [0, 0];
        long[] dilation = pool.dilation is { Length: > 0 } d ? Pair(d) : [1, 1];
        return b.AddNode("MaxPool", Label(pool), [x], Join(PathOf(pool), "out"),
            B.Ints("kernel_shape", kernel), B.Ints("strides", stride), B.Ints("pads", pad[0], pad[1], pad[0], pad[1]),
            B.Ints("dilations", dilation), B.Int("ceil_mode", pool.ceil_mode ? 1 : 0));
    }

    private static long[] Pair(long[] v) => v.Length == 1 ? [v[0], v[0]] : v;

    /// <summary>Flatten from dimension 1 (what <c>x.flatten(1)</c> does).</summary>
    public string FlattenFrom1(string name, string x) =>
        b.AddNode("Flatten", name, [x], Join(name, "out"), B.Int("axis", 1));

    private string Gemm(Linear linear, string x)
    {
        string path = PathOf(linear);
        float[] weight;
        float[]? bias = null;
        using (var scope = torch.NewDisposeScope())
        using (torch.no_grad())
        {
            weight = ToFloats(linear.weight!.detach());
            if (linear.bias is not null) bias = ToFloats(linear.bias.detach());
        }
        var inputs = new List<string> { x, b.AddFloat(Join(path, "weight"), weight, linear.out_features, linear.in_features) };
        if (bias is not null) inputs.Add(b.AddFloat(Join(path, "bias"), bias, linear.out_features));
        return b.AddNode("Gemm", path, inputs, Join(path, "out"), B.Int("transB", 1));
    }

    private string PadShortcut(ResNet.PadShortcut shortcut, string x)
    {
        string path = PathOf(shortcut);
        if (shortcut.Stride != 1)
        {
            x = b.AddNode("Slice", Join(path, "slice"),
                [x, b.AddInt64(Join(path, "slice.starts"), 0, 0), b.AddInt64(Join(path, "slice.ends"), long.MaxValue, long.MaxValue),
                 b.AddInt64(Join(path, "slice.axes"), 2, 3), b.AddInt64(Join(path, "slice.steps"), shortcut.Stride, shortcut.Stride)],
                Join(path, "slice"));
        }
        if (shortcut.PadBefore == 0 && shortcut.PadAfter == 0) return x;
        return b.AddNode("Pad", Join(path, "pad"),
            [x, b.AddInt64(Join(path, "pad.pads"), 0, shortcut.PadBefore, 0, 0, 0, shortcut.PadAfter, 0, 0)],
            Join(path, "pad"), B.String("mode", "constant"));
    }

    /// <summary>A contiguous float32 copy of a tensor's values.</summary>
    public static float[] ToFloats(Tensor t) => t.to(ScalarType.Float32).contiguous().data<float>().ToArray();
}
