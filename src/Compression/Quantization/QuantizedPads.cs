using Onnx;

namespace EdgeToolkit.Compression.Quantization;

/// <summary>
/// Runs the quantized graph's zero-padding Pads on integer codes: <c>DequantizeLinear -> Pad(0) -> QuantizeLinear</c> with
/// the same scale and zero point on both sides (the plan gives a Pad its input's parameters, <see cref="QdqPlan"/>)
/// becomes one <c>Pad</c> of the codes whose constant is the zero point. The function is exactly the same: Q(DQ(q)) = q,
/// and the zero point is the code of 0.0.
/// <para>
/// Why: ONNX Runtime has no QDQ rule for Pad (its drop-Q/DQ list is Expand, Flatten, Gather, GatherElements, Reshape,
/// Slice, Squeeze, Tile, Transpose, Unsqueeze), so a Pad between a DequantizeLinear and a QuantizeLinear stays a float
/// Pad with a dequantization before it and a quantization after it. Our ResNet's option-A shortcuts (Slice, then a Pad
/// of zero channels) quantized that way showed "2 float islands (2 Pad)" in the fusion report (ResNet-20, session 24).
/// Done after every measurement, like <see cref="InputChannelPadding.PadCodes"/>: the layer meter pairs each quantized
/// node's DequantizeLinear inputs with the QuantizeLinear that feeds them.
/// </para>
/// </summary>
internal static class QuantizedPads
{
    /// <summary>Rewrites every such Pad of <paramref name="graph"/> in place; returns the names of the Pads rewritten.</summary>
    public static IReadOnlyList<string> Fold(GraphProto graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var initializers = graph.Initializer.ToDictionary(t => t.Name);
        var outputs = graph.Output.Select(o => o.Name).ToHashSet();
        var producers = new Dictionary<string, NodeProto>();
        foreach (var n in graph.Node)
            foreach (string o in n.Output) producers[o] = n;
        var folded = new List<string>();
        foreach (var pad in graph.Node.Where(n => n.OpType == "Pad" && n.Domain is "" or "ai.onnx").ToList())
        {
            // Opset 11 and later: pads as an input and a constant_value input of the data's type (Pad-2 is float only).
            if (pad.Input.Count < 2 || OnnxTensors.Attribute(pad, "mode") is { } mode && mode.S.ToStringUtf8() != "constant") continue;
            if (pad.Input.Count > 2 && pad.Input[2] != "" && !IsZero(initializers, pad.Input[2])) continue;
            if (!producers.TryGetValue(pad.Input[0], out var dequantize) || dequantize.OpType != "DequantizeLinear" || Consumers(graph, dequantize.Output[0]) != 1) continue;
            string padded = pad.Output[0];
            if (outputs.Contains(padded) || graph.Node.Where(n => n.Input.Contains(padded)).ToList() is not [{ OpType: "QuantizeLinear" } quantize] || quantize.Input[0] != padded) continue;
            if (!SameScalarParameters(initializers, dequantize, quantize)) continue;

            pad.Input[0] = dequantize.Input[0];
            if (pad.Input.Count > 2) pad.Input[2] = dequantize.Input[2];
            else pad.Input.Add(dequantize.Input[2]);
            pad.Output[0] = quantize.Output[0];
            graph.Node.Remove(dequantize);
            graph.Node.Remove(quantize);
            foreach (var info in graph.ValueInfo.Where(v => v.Name == padded || v.Name == dequantize.Output[0]).ToList()) graph.ValueInfo.Remove(info);
            folded.Add(pad.Name);
        }
        if (folded.Count > 0)
        {
            var used = graph.Node.SelectMany(n => n.Input).ToHashSet();
            foreach (var t in graph.Initializer.Where(t => !used.Contains(t.Name)).ToList()) graph.Initializer.Remove(t);
        }
        return folded;
    }

    private static int Consumers(GraphProto graph, string tensor) => graph.Node.Sum(n => n.Input.Count(i => i == tensor));

    private static bool IsZero(Dictionary<string, TensorProto> initializers, string name) =>
        initializers.TryGetValue(name, out var t) && t.DataType == OnnxTensors.FloatType && OnnxTensors.ElementCount(t) == 1 && OnnxTensors.ReadFloats(t)[0] == 0f;

    /// <summary>Per-tensor (scalar) scale and zero point initializers of equal type and value on both nodes.</summary>
    private static bool SameScalarParameters(Dictionary<string, TensorProto> initializers, NodeProto dequantize, NodeProto quantize)
    {
        if (dequantize.Input.Count < 3 || quantize.Input.Count < 3) return false;
        if (!initializers.TryGetValue(dequantize.Input[1], out var dqScale) || !initializers.TryGetValue(quantize.Input[1], out var qScale)
            || !initializers.TryGetValue(dequantize.Input[2], out var dqZero) || !initializers.TryGetValue(quantize.Input[2], out var qZero)) return false;
        if (dqScale.Dims.Count != 0 || qScale.Dims.Count != 0 || dqZero.Dims.Count != 0 || qZero.Dims.Count != 0) return false;
        if (dqScale.DataType != OnnxTensors.FloatType || qScale.DataType != OnnxTensors.FloatType || dqZero.DataType != qZero.DataType) return false;
        // The rewriter writes zero points as raw data (QdqRewriter.ZeroPointTensor).
        return OnnxTensors.ReadFloats(dqScale)[0] == OnnxTensors.ReadFloats(qScale)[0] && !dqZero.RawData.IsEmpty && dqZero.RawData.Span.SequenceEqual(qZero.RawData.Span);
    }
}
