using Onnx;

namespace EdgeToolkit.Compression.Quantization;

/// <summary>
/// The quantizer's last rewrite: zero-padding Pads run on integer codes, padding with the zero point (the code of 0.0),
/// so the function is exactly the same. Two forms:
/// <list type="bullet">
/// <item>the stem's input-channel Pad (<see cref="InputChannelPadding"/>), made on floats before calibration: <c>x -> Pad(0) -> QuantizeLinear</c>
/// becomes <c>x -> QuantizeLinear -> Pad(zero point)</c>, since Q(Pad(x, 0)) = Pad(Q(x), zero point) element by element;</item>
/// <item>a Pad inside the quantized graph: <c>DequantizeLinear -> Pad(0) -> QuantizeLinear</c> with the same scale and zero
/// point on both sides (the plan gives a Pad its input's parameters, <see cref="QdqPlan"/>) becomes one <c>Pad</c> of the
/// codes, since Q(DQ(q)) = q.</item>
/// </list>
/// <para>
/// Why: ONNX Runtime has no QDQ rule for Pad (its drop-Q/DQ list is Expand, Flatten, Gather, GatherElements, Reshape,
/// Slice, Squeeze, Tile, Transpose, Unsqueeze), so a Pad written on floats stays a float Pad. The stem's float Pad wrote
/// 0.8 MB on a 3x224x224 input and cost 0.09-0.1 ms of a 3.6-4.1 ms int8 MobileNet v1 (session 9's profile); on codes it
/// writes a quarter of that and the QuantizeLinear reads 3 channels instead of 4 (measured, docs/benchmarks.md, "The
/// stem's Pad on codes": its 35-40 us per run left ONNX Runtime's profile; end to end 2-3 % at alpha 0.5, within the
/// rounds' spread at alpha 1.0). Our ResNet's option-A shortcuts (Slice, then a Pad of zero channels) showed "2 float
/// islands (2 Pad)" in the fusion report (ResNet-20, session 24); on codes, none.
/// </para>
/// Done after every measurement (SQNR, bias correction, held-out top-1): the layer meter pairs each quantized node's
/// DequantizeLinear inputs with the QuantizeLinear that feeds them, and a Pad on codes sits between them.
/// </summary>
internal static class QuantizedPads
{
    /// <summary>
    /// Rewrites <paramref name="graph"/> in place: the Pads named in <paramref name="inputPads"/> (<see cref="InputChannelPadding.Apply"/>)
    /// move behind their QuantizeLinear, then every DQ -> zero Pad -> Q is folded. A Pad that does not match (its
    /// output feeds more than one per-tensor QuantizeLinear, say) stays float.
    /// </summary>
    /// <returns>
    /// For each input Pad moved behind its QuantizeLinear: the padded float tensor the QuantizeLinear read (and was
    /// calibrated on), which no longer exists, and the tensor it reads now (the graph input), quantized with the same
    /// scale and zero point.
    /// </returns>
    public static IReadOnlyDictionary<string, string> RunOnCodes(GraphProto graph, IReadOnlySet<string> inputPads)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(inputPads);
        var initializers = graph.Initializer.ToDictionary(t => t.Name);
        var producers = new Dictionary<string, NodeProto>();
        foreach (var n in graph.Node)
            foreach (string o in n.Output) producers[o] = n;
        var tensors = producers.Keys.Concat(graph.Input.Select(i => i.Name)).Concat(initializers.Keys).ToHashSet();
        bool folded = false;
        var moved = new Dictionary<string, string>();
        // Opset 11 and later only: pads as an input and a constant_value input of the data's type (Pad-2 is float only).
        foreach (var pad in graph.Node.Where(n => n.OpType == "Pad" && n.Domain is "" or "ai.onnx" && n.Input.Count >= 2).ToList())
        {
            if (OnnxTensors.Attribute(pad, "mode") is { } mode && mode.S.ToStringUtf8() != "constant") continue;
            if (pad.Input.Count > 2 && pad.Input[2] != "" && !IsZero(initializers, pad.Input[2])) continue;
            if (SoleQuantize(graph, pad.Output[0]) is not { } quantize || !IsPerTensor(initializers, quantize)) continue;
            string padded = pad.Output[0];
            if (inputPads.Contains(pad.Name))
            {
                string codes = quantize.Output[0], inputCodes = InputChannelPadding.Unique(pad.Input[0] + "_codes", tensors);
                quantize.Input[0] = pad.Input[0];
                quantize.Output[0] = inputCodes;
                SetInputs(pad, inputCodes, quantize.Input[2]);
                pad.Output[0] = codes;
                graph.Node.Remove(quantize);
                graph.Node.Insert(graph.Node.IndexOf(pad), quantize);
                moved[padded] = quantize.Input[0];
            }
            else
            {
                if (!producers.TryGetValue(pad.Input[0], out var dequantize) || dequantize.OpType != "DequantizeLinear" || Consumers(graph, dequantize.Output[0]) != 1
                    || !IsPerTensor(initializers, dequantize) || !SameValues(initializers, dequantize, quantize)) continue;
                SetInputs(pad, dequantize.Input[0], dequantize.Input[2]);
                pad.Output[0] = quantize.Output[0];
                graph.Node.Remove(dequantize);
                graph.Node.Remove(quantize);
                RemoveValueInfo(graph, dequantize.Output[0]);
                folded = true;
            }
            RemoveValueInfo(graph, padded);
        }
        if (folded)
        {
            var used = graph.Node.SelectMany(n => n.Input).ToHashSet();
            foreach (var t in graph.Initializer.Where(t => !used.Contains(t.Name)).ToList()) graph.Initializer.Remove(t);
        }
        return moved;
    }

    /// <summary>The QuantizeLinear that alone reads <paramref name="tensor"/> (not a graph output), or null.</summary>
    private static NodeProto? SoleQuantize(GraphProto graph, string tensor) =>
        graph.Output.All(o => o.Name != tensor) && graph.Node.Where(n => n.Input.Contains(tensor)).ToList() is [{ OpType: "QuantizeLinear" } quantize] && quantize.Input[0] == tensor
            ? quantize
            : null;

    /// <summary>The Pad reads <paramref name="data"/> and pads with <paramref name="zeroPoint"/> (its constant_value input).</summary>
    private static void SetInputs(NodeProto pad, string data, string zeroPoint)
    {
        pad.Input[0] = data;
        if (pad.Input.Count > 2) pad.Input[2] = zeroPoint;
        else pad.Input.Add(zeroPoint);
    }

    private static int Consumers(GraphProto graph, string tensor) => graph.Node.Sum(n => n.Input.Count(i => i == tensor));

    private static void RemoveValueInfo(GraphProto graph, string tensor)
    {
        foreach (var info in graph.ValueInfo.Where(v => v.Name == tensor).ToList()) graph.ValueInfo.Remove(info);
    }

    private static bool IsZero(Dictionary<string, TensorProto> initializers, string name) =>
        initializers.TryGetValue(name, out var t) && t.DataType == OnnxTensors.FloatType && OnnxTensors.ElementCount(t) == 1 && OnnxTensors.ReadFloats(t)[0] == 0f;

    /// <summary>A (De)QuantizeLinear with a scalar float scale and a scalar zero point, both initializers (Pad's constant_value must be a scalar of the codes' type).</summary>
    private static bool IsPerTensor(Dictionary<string, TensorProto> initializers, NodeProto node) =>
        node.Input.Count >= 3 && initializers.TryGetValue(node.Input[1], out var scale) && scale.Dims.Count == 0 && scale.DataType == OnnxTensors.FloatType
        && initializers.TryGetValue(node.Input[2], out var zeroPoint) && zeroPoint.Dims.Count == 0;

    /// <summary>Equal scale and zero point (type and value) on two per-tensor nodes; the rewriter writes zero points as raw data (QdqRewriter.ZeroPointTensor).</summary>
    private static bool SameValues(Dictionary<string, TensorProto> initializers, NodeProto a, NodeProto b)
    {
        TensorProto aZero = initializers[a.Input[2]], bZero = initializers[b.Input[2]];
        return OnnxTensors.ReadFloats(initializers[a.Input[1]])[0] == OnnxTensors.ReadFloats(initializers[b.Input[1]])[0]
            && aZero.DataType == bZero.DataType && !aZero.RawData.IsEmpty && aZero.RawData.Span.SequenceEqual(bZero.RawData.Span);
    }
}
