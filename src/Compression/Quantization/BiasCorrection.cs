using Onnx;

namespace EdgeToolkit.Compression.Quantization;

/// <summary>
/// Empirical bias correction (Nagel et al., "Data-Free Quantization", 2019, the variant with data): the mean
/// error a quantized Conv/Gemm adds to each output channel, measured on calibration samples with float
/// inputs, is added to that channel's float bias before the bias is quantized, so the int8 output is
/// unbiased on average.
/// </summary>
internal static class BiasCorrection
{
    /// <summary>Adds <paramref name="channelMeanError"/> to the biases of <paramref name="model"/> (prepared float graph); returns the layers corrected.</summary>
    public static int Apply(ModelProto model, IReadOnlyDictionary<string, double[]> channelMeanError)
    {
        var graph = model.Graph;
        var uses = graph.Node.SelectMany(n => n.Input).GroupBy(i => i).ToDictionary(g => g.Key, g => g.Count());
        var initializers = graph.Initializer.Select((t, i) => (t, i)).ToDictionary(p => p.t.Name, p => p.i);
        int corrected = 0;
        foreach (var node in graph.Node)
        {
            if (!channelMeanError.TryGetValue(node.Name, out var error) || node.Input.Count < 3) continue;
            // A bias shared with another node would change that node too.
            if (!initializers.TryGetValue(node.Input[2], out int index) || uses[node.Input[2]] != 1) continue;
            var bias = graph.Initializer[index];
            float[] values = OnnxTensors.ReadFloats(bias);
            if (values.Length != error.Length) continue;
            for (int c = 0; c < values.Length; c++) values[c] += (float)error[c];
            graph.Initializer[index] = OnnxTensors.Create<float>(bias.Name, OnnxTensors.FloatType, values, bias.Dims.ToArray());
            corrected++;
        }
        return corrected;
    }
}
