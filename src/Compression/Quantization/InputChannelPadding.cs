using Onnx;

namespace EdgeToolkit.Compression.Quantization;

/// <summary>
/// Pads the input channels of a quantized Conv that reads a graph input (the stem: 3 channels for RGB, 1 for gray)
/// with zero channels up to a multiple of <see cref="Alignment"/>: a <c>Pad</c> on the graph input and zero weights for
/// the new channels. The float function is unchanged (the added channels are zero and meet zero weights). The Pad is
/// made on floats, before calibration, and moved behind its QuantizeLinear when the model is done (<see cref="QuantizedPads"/>),
/// so the quantized model pads integer codes.
/// <para>
/// Why: on x86-64 ONNX Runtime runs a QLinearConv with symmetric int8 weights on MLAS's fused "ConvSym" kernels
/// (VNNI <c>vpdpbusd</c>, requantization inside the kernel) only when the group's input channels are a multiple of 4
/// (<c>KernelInputChannelAlignment</c> in MLAS's x86 ConvSym dispatch tables, AVX2 and AVX-512 alike). A 3-channel stem
/// misses that test and falls back to im2col, a u8×s8 GEMM with K = 27 into an int32 buffer, and a separate
/// requantization pass. Measured on the shared Xeon (AVX-512 VNNI, 2 threads, ORT 1.31.1) for our MobileNet v1 1.0 at
/// 224x224: the unpadded int8 stem took 0.6-0.8 ms against 0.3 ms in fp32 (15 % of the int8 graph's kernel time);
/// padded to 4 channels, 0.24 ms plus about 0.1 ms for the float Pad. Paired rounds, int8 p50: 4.03 -> 3.84 ms (int8/fp32
/// 0.36 -> 0.34, load 16) and 4.09 -> 3.60 ms (0.48 -> 0.43, load 9); torchvision MobileNetV2 0.50 -> 0.45, ResNet-18
/// 0.25 -> 0.24 (docs/quantization.md, "Why our MobileNet v1 stops at about 0.4 of fp32"). ARM64 is left alone: there MLAS uses
/// ConvSym only from 64 input channels, so padding a stem would not change its kernel.
/// </para>
/// </summary>
public static class InputChannelPadding
{
    /// <summary>The input-channel multiple MLAS's x86 ConvSym kernels need.</summary>
    public const int Alignment = 4;

    /// <summary>The reason recorded for the added float Pad (shown as an on-purpose island in the fusion report).</summary>
    public const string Reason = "input channels padded to a multiple of 4 so that ONNX Runtime's x86 ConvSym int8 kernel takes the stem (a float Pad on the graph input, left float only when its output feeds more than the stem's QuantizeLinear)";

    /// <summary>Whether padding is done for <paramref name="target"/> (resolved) when <paramref name="setting"/> is null: on x86-64 only.</summary>
    public static bool Resolve(bool? setting, QuantizationTarget target) =>
        setting ?? target is QuantizationTarget.X64 or QuantizationTarget.X64Vnni;

    /// <summary>One padded Conv: its name, the Pad node added, and the channel counts before and after.</summary>
    internal sealed record Padded(string Conv, string Pad, long From, long To);

    /// <summary>
    /// Pads every non-grouped 4-D Conv of <paramref name="graph"/> that reads a graph input directly, is not in
    /// <paramref name="floatConvs"/>, has a float weight initializer it alone uses, and whose input channels are not a
    /// multiple of <see cref="Alignment"/>. Returns what was padded (empty when nothing applied).
    /// </summary>
    internal static IReadOnlyList<Padded> Apply(GraphProto graph, IReadOnlySet<string> floatConvs)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var inputs = graph.Input.Select(i => i.Name).ToHashSet();
        inputs.ExceptWith(graph.Initializer.Select(t => t.Name));
        var initializers = graph.Initializer.ToDictionary(t => t.Name);
        var uses = graph.Node.SelectMany(n => n.Input).GroupBy(i => i).ToDictionary(g => g.Key, g => g.Count());
        var names = graph.Node.Select(n => n.Name).ToHashSet();
        var tensors = graph.Node.SelectMany(n => n.Output).Concat(graph.Input.Select(i => i.Name)).Concat(initializers.Keys).ToHashSet();
        var padded = new List<Padded>();
        foreach (var conv in graph.Node.Where(n => n.OpType == "Conv" && n.Domain is "" or "ai.onnx").ToList())
        {
            if (floatConvs.Contains(conv.Name) || conv.Input.Count < 2 || !inputs.Contains(conv.Input[0])) continue;
            if (OnnxTensors.IntAttribute(conv, "group", 1) != 1) continue;
            if (!initializers.TryGetValue(conv.Input[1], out var weight) || weight.DataType != OnnxTensors.FloatType || weight.Dims.Count != 4) continue;
            if (uses.GetValueOrDefault(weight.Name) != 1) continue;
            long outChannels = weight.Dims[0], channels = weight.Dims[1], kernel = weight.Dims[2] * weight.Dims[3];
            if (channels % Alignment == 0) continue;
            long to = (channels + Alignment - 1) / Alignment * Alignment;

            float[] values = OnnxTensors.ReadFloats(weight);
            var wider = new float[outChannels * to * kernel];
            for (long o = 0; o < outChannels; o++)
                Array.Copy(values, o * channels * kernel, wider, o * to * kernel, channels * kernel);
            var replacement = OnnxTensors.Create<float>(weight.Name, OnnxTensors.FloatType, wider, outChannels, to, weight.Dims[2], weight.Dims[3]);
            graph.Initializer[graph.Initializer.IndexOf(weight)] = replacement;

            string pads = Unique(conv.Name + "_channel_pads", tensors), output = Unique(conv.Input[0] + "_channels_padded", tensors), pad = Unique(conv.Name + "_channel_pad", names);
            graph.Initializer.Add(OnnxTensors.Create<long>(pads, OnnxTensors.Int64Type, new long[] { 0, 0, 0, 0, 0, to - channels, 0, 0 }, 8));
            graph.Node.Insert(graph.Node.IndexOf(conv), OnnxTensors.Node("Pad", pad, [conv.Input[0], pads], [output]));
            conv.Input[0] = output;
            padded.Add(new Padded(conv.Name, pad, channels, to));
        }
        return padded;
    }

    /// <summary>
    /// The tensors of <paramref name="graph"/> that hold the preprocessed pixels: its graph inputs (initializers
    /// excluded) and the zero-padded copies of them made by the Pad nodes named in <paramref name="pads"/>
    /// (<see cref="Padded.Pad"/>). The quantizer calibrates these with min/max and the exact-ends grid, and reports the
    /// grid of the one it quantized.
    /// </summary>
    internal static HashSet<string> PixelTensors(GraphProto graph, IEnumerable<string> pads)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var inputs = graph.Input.Select(i => i.Name).ToHashSet();
        inputs.ExceptWith(graph.Initializer.Select(t => t.Name));
        var padNodes = pads.ToHashSet();
        inputs.UnionWith(graph.Node.Where(n => n.OpType == "Pad" && padNodes.Contains(n.Name) && n.Input.Count > 0 && inputs.Contains(n.Input[0])).Select(n => n.Output[0]));
        return inputs;
    }

    /// <summary><paramref name="name"/>, or it with the first free "_N" suffix; the name returned is added to <paramref name="taken"/>.</summary>
    internal static string Unique(string name, HashSet<string> taken)
    {
        string candidate = name;
        for (int i = 1; !taken.Add(candidate); i++) candidate = $"{name}_{i}";
        return candidate;
    }
}
