using Onnx;

namespace EdgeToolkit.Compression.Quantization;

/// <summary>
/// Cross-layer equalization (Nagel et al., "Data-Free Quantization", 2019; AIMET, Vitis AI) of the
/// float model before calibration. For each chain <c>Conv1 -> Relu -> Conv2</c> (each tensor with one
/// consumer, Conv2 dense or depthwise), output channel c of Conv1 (weights and bias) is divided by
/// s_c and input channel c of Conv2 multiplied by it, with s_c = sqrt(r1_c / r2_c) (r = max |w| of the
/// channel), which gives both channels the range sqrt(r1_c r2_c). Relu(x / s) = Relu(x) / s for s &gt; 0,
/// so the float function is unchanged; the channels of the Relu output then have similar ranges, so
/// one per-tensor activation scale fits them better (MobileNet's depthwise outputs differ by orders
/// of magnitude between channels). Not applied through Clip (ReLU6): its upper bound is not scale-free.
/// </summary>
internal static class CrossLayerEqualization
{
    private const int Sweeps = 4;
    private const double MinScale = 1e-4, MaxScale = 1e4;

    /// <summary>Equalizes every eligible pair in place; returns the number of pairs.</summary>
    public static int Apply(GraphProto graph)
    {
        var pairs = FindPairs(graph);
        if (pairs.Count == 0) return 0;
        var initializers = graph.Initializer.ToDictionary(t => t.Name);
        var weights = new Dictionary<string, float[]>();
        float[] Weights(string name) => weights.TryGetValue(name, out var w) ? w : weights[name] = OnnxTensors.ReadFloats(initializers[name]);

        for (int sweep = 0; sweep < Sweeps; sweep++)
        {
            foreach (var (first, second) in pairs)
            {
                var w1Tensor = initializers[first.Input[1]];
                var w2Tensor = initializers[second.Input[1]];
                float[] w1 = Weights(first.Input[1]), w2 = Weights(second.Input[1]);
                int channels = (int)w1Tensor.Dims[0];
                bool depthwise = OnnxTensors.IntAttribute(second, "group", 1) > 1;
                int outputs2 = (int)w2Tensor.Dims[0];
                int inner1 = w1.Length / channels;
                int kernel2 = (int)(w2.Length / (outputs2 * w2Tensor.Dims[1]));
                int inputs2 = (int)w2Tensor.Dims[1];
                float[]? b1 = first.Input.Count > 2 && first.Input[2] != "" ? Weights(first.Input[2]) : null;
                for (int c = 0; c < channels; c++)
                {
                    double r1 = MaxAbs(w1, c * inner1, inner1);
                    double r2 = depthwise ? MaxAbs(w2, c * kernel2, kernel2) : ColumnMaxAbs(w2, c, outputs2, inputs2, kernel2);
                    if (r1 == 0 || r2 == 0) continue;
                    double s = Math.Clamp(Math.Sqrt(r1 / r2), MinScale, MaxScale);
                    for (int k = 0; k < inner1; k++) w1[c * inner1 + k] = (float)(w1[c * inner1 + k] / s);
                    if (b1 is not null) b1[c] = (float)(b1[c] / s);
                    if (depthwise)
                    {
                        for (int k = 0; k < kernel2; k++) w2[c * kernel2 + k] = (float)(w2[c * kernel2 + k] * s);
                    }
                    else
                    {
                        for (int o = 0; o < outputs2; o++)
                            for (int k = 0; k < kernel2; k++) w2[(o * inputs2 + c) * kernel2 + k] = (float)(w2[(o * inputs2 + c) * kernel2 + k] * s);
                    }
                }
            }
        }
        foreach (var (name, values) in weights)
        {
            var old = initializers[name];
            graph.Initializer.Remove(old);
            graph.Initializer.Add(OnnxTensors.Create<float>(name, OnnxTensors.FloatType, values, old.Dims.ToArray()));
        }
        return pairs.Count;
    }

    /// <summary>Conv -> Relu -> Conv chains whose tensors and parameters are used once, with matching shapes.</summary>
    private static List<(NodeProto First, NodeProto Second)> FindPairs(GraphProto graph)
    {
        var initializers = graph.Initializer.ToDictionary(t => t.Name);
        var graphOutputs = graph.Output.Select(o => o.Name).ToHashSet();
        var consumers = new Dictionary<string, List<NodeProto>>();
        foreach (var node in graph.Node)
            foreach (string input in node.Input) (consumers.TryGetValue(input, out var list) ? list : consumers[input] = []).Add(node);
        NodeProto? Only(string tensor) =>
            !graphOutputs.Contains(tensor) && consumers.TryGetValue(tensor, out var users) && users.Count == 1 ? users[0] : null;
        bool OwnParameter(NodeProto conv, int index) =>
            conv.Input.Count <= index || conv.Input[index] == ""
            || (initializers.TryGetValue(conv.Input[index], out var t) && t.DataType == OnnxTensors.FloatType && consumers[conv.Input[index]].Count == 1);

        var pairs = new List<(NodeProto, NodeProto)>();
        foreach (var first in graph.Node)
        {
            if (first.OpType != "Conv" || first.Output.Count != 1) continue;
            if (!OwnParameter(first, 1) || first.Input.Count < 2 || !OwnParameter(first, 2)) continue;
            if (Only(first.Output[0]) is not { OpType: "Relu" } relu || Only(relu.Output[0]) is not { OpType: "Conv" } second) continue;
            if (second.Input[0] != relu.Output[0] || !OwnParameter(second, 1)) continue;
            var w1 = initializers[first.Input[1]];
            var w2 = initializers[second.Input[1]];
            long channels = w1.Dims[0], group = OnnxTensors.IntAttribute(second, "group", 1);
            bool dense = group == 1 && w2.Dims.Count >= 3 && w2.Dims[1] == channels;
            bool depthwise = group == channels && w2.Dims.Count >= 3 && w2.Dims[0] == channels && w2.Dims[1] == 1;
            if (dense || depthwise) pairs.Add((first, second));
        }
        return pairs;
    }

    private static double MaxAbs(float[] values, int start, int count)
    {
        float max = 0;
        for (int i = start; i < start + count; i++) max = Math.Max(max, Math.Abs(values[i]));
        return max;
    }

    private static double ColumnMaxAbs(float[] w, int column, int outputs, int inputs, int kernel)
    {
        float max = 0;
        for (int o = 0; o < outputs; o++)
            for (int k = 0; k < kernel; k++) max = Math.Max(max, Math.Abs(w[(o * inputs + column) * kernel + k]));
        return max;
    }
}
