using System.Runtime.InteropServices;
using EdgeToolkit.ModelBundle;
using Google.Protobuf;
using Onnx;

namespace EdgeToolkit.Deploy.Tests;

/// <summary>
/// Writes a tiny seeded-random classifier bundle (Conv 3x3 stride 2 -> Relu -> GlobalAveragePool ->
/// Flatten -> Gemm, 3x32x32 input, 4 classes) for running the published agent.
/// </summary>
internal static class TinyBundle
{
    public static string Write(string folder, int seed = 7)
    {
        const int size = 32, channels = 3, width = 8;
        string[] labels = ["red", "green", "blue", "gray"];
        var rng = new Random(seed);
        var graph = new GraphProto { Name = "tiny" };
        Add(graph, "conv.weight", Random(rng, width * channels * 9, 0.5f), width, channels, 3, 3);
        Add(graph, "conv.bias", Random(rng, width, 0.1f), width);
        var conv = Node("Conv", ["input", "conv.weight", "conv.bias"], "conv");
        conv.Attribute.Add(Ints("kernel_shape", 3, 3));
        conv.Attribute.Add(Ints("pads", 1, 1, 1, 1));
        conv.Attribute.Add(Ints("strides", 2, 2));
        graph.Node.Add(conv);
        graph.Node.Add(Node("Relu", ["conv"], "relu"));
        graph.Node.Add(Node("GlobalAveragePool", ["relu"], "pool"));
        var flatten = Node("Flatten", ["pool"], "flat");
        flatten.Attribute.Add(new AttributeProto { Name = "axis", Type = AttributeProto.Types.AttributeType.Int, I = 1 });
        graph.Node.Add(flatten);
        Add(graph, "fc.weight", Random(rng, labels.Length * width, 2f), labels.Length, width);
        Add(graph, "fc.bias", Random(rng, labels.Length, 0.1f), labels.Length);
        var gemm = Node("Gemm", ["flat", "fc.weight", "fc.bias"], "logits");
        gemm.Attribute.Add(new AttributeProto { Name = "transB", Type = AttributeProto.Types.AttributeType.Int, I = 1 });
        graph.Node.Add(gemm);
        graph.Input.Add(Value("input", channels, size, size));
        graph.Output.Add(Value("logits", labels.Length));
        var model = new ModelProto { IrVersion = 7, ProducerName = "Deploy.Tests", Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 13 });

        Directory.CreateDirectory(folder);
        string onnx = Path.Combine(folder, "model.onnx");
        File.WriteAllBytes(onnx, model.ToByteArray());
        ModelBundleFolder.Write(folder, onnx, new BundleManifest
        {
            Architecture = "tiny-cnn",
            InputShape = [-1, channels, size, size],
            ChannelOrder = "RGB",
            ResizePolicy = "stretch",
            Mean = [0.5f, 0.5f, 0.5f],
            Std = [0.25f, 0.25f, 0.25f],
            Labels = labels,
        });
        return folder;
    }

    private static float[] Random(Random rng, int n, float scale)
    {
        var a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float)(rng.NextDouble() * 2 - 1) * scale;
        return a;
    }

    private static void Add(GraphProto g, string name, float[] data, params long[] dims)
    {
        var t = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
        t.Dims.AddRange(dims);
        t.RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(data.AsSpan()));
        g.Initializer.Add(t);
    }

    private static NodeProto Node(string op, string[] inputs, string output)
    {
        var n = new NodeProto { OpType = op, Name = output + "_node" };
        n.Input.AddRange(inputs);
        n.Output.Add(output);
        return n;
    }

    private static AttributeProto Ints(string name, params long[] v)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        a.Ints.AddRange(v);
        return a;
    }

    private static ValueInfoProto Value(string name, params int[] dims)
    {
        var shape = new TensorShapeProto();
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = "batch" });
        foreach (int d in dims) shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } },
        };
    }
}
