using EdgeToolkit.Compression.Export;
using Google.Protobuf;
using Onnx;
using B = EdgeToolkit.Compression.Export.OnnxGraphBuilder;

namespace EdgeToolkit.Compression.Pruning.Latency;

/// <summary>
/// Writes one <see cref="LayerBlock"/> as a small ONNX model with random weights, laid out as the exporter lays
/// out MobileNet v1 (BatchNorm folded into the convolution's bias, ReLU after each convolution), so that its
/// latency is what that part of an exported network costs.
/// </summary>
public static class LayerBlockModel
{
    /// <summary>The ONNX model of <paramref name="block"/> (opset 13, batch dimension symbolic).</summary>
    public static ModelProto Build(LayerBlock block)
    {
        ArgumentNullException.ThrowIfNull(block);
        var b = new B();
        var random = new Random(1234);
        const string input = "input";
        b.UniqueName(input);
        string x = input;
        int outChannels = block.OutChannels, outSide = block.OutputSide;
        switch (block.Kind)
        {
            case LayerBlockKind.Overhead:
                x = b.AddNode("Relu", "relu", [x], "relu");
                outChannels = block.InChannels;
                outSide = block.InputSide;
                break;
            case LayerBlockKind.Stem:
                x = Relu(b, Conv(b, random, "stem", x, block.InChannels, block.OutChannels, 3, block.Stride, 1), "stem");
                break;
            case LayerBlockKind.Separable:
                x = Relu(b, Conv(b, random, "depthwise", x, block.InChannels, block.InChannels, 3, block.Stride, block.InChannels), "depthwise");
                x = Relu(b, Conv(b, random, "pointwise", x, block.InChannels, block.OutChannels, 1, 1, 1), "pointwise");
                break;
            case LayerBlockKind.Boundary or LayerBlockKind.BoundaryTwoLayers:
                // Identity weights (one per channel) and a zero bias: the tensor passes through unchanged.
                for (int layer = 0; layer < (block.Kind == LayerBlockKind.Boundary ? 1 : 2); layer++)
                    x = Relu(b, IdentityDepthwise(b, $"identity{layer}", x, block.InChannels), $"identity{layer}");
                break;
            case LayerBlockKind.Head:
                x = b.AddNode("GlobalAveragePool", "pool", [x], "pool");
                x = b.AddNode("Flatten", "flatten", [x], "flatten", B.Int("axis", 1));
                string w = b.AddFloat("classifier.weight", Weights(random, block.OutChannels * block.InChannels), block.OutChannels, block.InChannels);
                string bias = b.AddFloat("classifier.bias", new float[block.OutChannels], block.OutChannels);
                x = b.AddNode("Gemm", "classifier", [x, w, bias], "logits", B.Int("transB", 1));
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(block), block.Kind, "unknown block kind");
        }
        var graph = b.Graph;
        graph.Input.Add(OnnxExporter.TensorValue(input, block.InChannels, block.InputSide, block.InputSide));
        graph.Output.Add(block.Kind == LayerBlockKind.Head
            ? OnnxExporter.TensorValue(x, outChannels)
            : OnnxExporter.TensorValue(x, outChannels, outSide, outSide));
        var model = new ModelProto { IrVersion = 7, ProducerName = "EdgeToolkit latency probe", Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 13 });
        return model;
    }

    private static string Conv(B b, Random random, string name, string x, int inChannels, int outChannels, int kernel, int stride, int groups)
    {
        int perGroup = inChannels / groups;
        string w = b.AddFloat(name + ".weight", Weights(random, outChannels * perGroup * kernel * kernel), outChannels, perGroup, kernel, kernel);
        string bias = b.AddFloat(name + ".bias", new float[outChannels], outChannels);
        int pad = kernel / 2;
        return b.AddNode("Conv", name, [x, w, bias], name, B.Ints("kernel_shape", kernel, kernel), B.Ints("strides", stride, stride),
            B.Ints("pads", pad, pad, pad, pad), B.Int("group", groups));
    }

    private static string IdentityDepthwise(B b, string name, string x, int channels)
    {
        string w = b.AddFloat(name + ".weight", Enumerable.Repeat(1f, channels).ToArray(), channels, 1, 1, 1);
        string bias = b.AddFloat(name + ".bias", new float[channels], channels);
        return b.AddNode("Conv", name, [x, w, bias], name, B.Ints("kernel_shape", 1, 1), B.Int("group", channels));
    }

    private static string Relu(B b, string x, string name) => b.AddNode("Relu", name + ".relu", [x], name + ".relu");

    private static float[] Weights(Random random, int count)
    {
        var w = new float[count];
        for (int i = 0; i < count; i++) w[i] = (float)(random.NextDouble() - 0.5) * 0.1f;
        return w;
    }
}
