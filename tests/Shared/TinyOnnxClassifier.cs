using System.Runtime.InteropServices;
using Google.Protobuf;
using Onnx;

namespace EdgeToolkit.Tests.Shared;

/// <summary>
/// Builds small ONNX classifiers for tests (source-linked into several test projects): a stack of 3x3 Conv -> Relu
/// (the given widths and strides), then GlobalAveragePool -> Flatten -> Gemm to the class logits.
/// Input <c>input</c> [batch, C, H, W], output <c>logits</c> [batch, classes]. Weights are seeded random.
/// With <c>nanWhenCornerIsDark</c> every logit is NaN when the first channel's top-left input value is below -0.25
/// (logits + 0 * log(corner + 0.25); an all-zero warm-up input passes): a model that fails on some frames only.
/// </summary>
internal static class TinyOnnxClassifier
{
    /// <summary>
    /// Returns the serialized model. <paramref name="convScale"/> null = He scale sqrt(2 / fan-in);
    /// weights are drawn in order conv weight, conv bias per layer, then fc weight, fc bias.
    /// </summary>
    public static byte[] Build(int size = 32, int channels = 3, int classes = 10, (int Width, int Stride)[]? convs = null, int seed = 1,
        float? convScale = null, float fcScale = 1f, string producer = "tests", bool nanWhenCornerIsDark = false)
    {
        convs ??= [(8, 1)];
        var rng = new Random(seed);
        var graph = new GraphProto { Name = "tiny" };
        string x = "input";
        int inC = channels;
        for (int i = 0; i < convs.Length; i++)
        {
            var (outC, stride) = convs[i];
            string w = AddFloat(graph, $"conv{i}.weight", Random(rng, outC * inC * 9, convScale ?? MathF.Sqrt(2f / (inC * 9))), outC, inC, 3, 3);
            string b = AddFloat(graph, $"conv{i}.bias", Random(rng, outC, 0.1f), outC);
            var conv = Node("Conv", [x, w, b], $"conv{i}");
            conv.Attribute.Add(Ints("kernel_shape", 3, 3));
            conv.Attribute.Add(Ints("pads", 1, 1, 1, 1));
            conv.Attribute.Add(Ints("strides", stride, stride));
            graph.Node.Add(conv);
            graph.Node.Add(Node("Relu", [$"conv{i}"], $"relu{i}"));
            x = $"relu{i}";
            inC = outC;
        }
        graph.Node.Add(Node("GlobalAveragePool", [x], "pool"));
        var flatten = Node("Flatten", ["pool"], "flat");
        flatten.Attribute.Add(new AttributeProto { Name = "axis", Type = AttributeProto.Types.AttributeType.Int, I = 1 });
        graph.Node.Add(flatten);
        string fw = AddFloat(graph, "fc.weight", Random(rng, classes * inC, fcScale), classes, inC);
        string fb = AddFloat(graph, "fc.bias", Random(rng, classes, 0.1f), classes);
        var gemm = Node("Gemm", ["flat", fw, fb], nanWhenCornerIsDark ? "fc" : "logits");
        gemm.Attribute.Add(new AttributeProto { Name = "transB", Type = AttributeProto.Types.AttributeType.Int, I = 1 });
        graph.Node.Add(gemm);
        if (nanWhenCornerIsDark)
        {
            graph.Initializer.Add(Int64s("corner.starts", 0, 0, 0));
            graph.Initializer.Add(Int64s("corner.ends", 1, 1, 1));
            graph.Initializer.Add(Int64s("corner.axes", 1, 2, 3));
            AddFloat(graph, "corner.zero", [0f]);
            AddFloat(graph, "corner.offset", [0.25f]);
            graph.Node.Add(Node("Slice", ["input", "corner.starts", "corner.ends", "corner.axes"], "corner"));
            var cornerFlat = Node("Flatten", ["corner"], "corner.flat");
            cornerFlat.Attribute.Add(new AttributeProto { Name = "axis", Type = AttributeProto.Types.AttributeType.Int, I = 1 });
            graph.Node.Add(cornerFlat);
            graph.Node.Add(Node("Add", ["corner.flat", "corner.offset"], "corner.shifted"));
            graph.Node.Add(Node("Log", ["corner.shifted"], "corner.log"));
            graph.Node.Add(Node("Mul", ["corner.log", "corner.zero"], "corner.nan"));
            graph.Node.Add(Node("Add", ["fc", "corner.nan"], "logits"));
        }
        graph.Input.Add(Value("input", channels, size, size));
        graph.Output.Add(Value("logits", classes));
        var model = new ModelProto { IrVersion = 7, ProducerName = producer, Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 13 });
        return model.ToByteArray();
    }

    private static float[] Random(Random rng, int n, float scale)
    {
        var a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float)(rng.NextDouble() * 2 - 1) * scale;
        return a;
    }

    private static string AddFloat(GraphProto g, string name, float[] data, params long[] dims)
    {
        var t = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
        t.Dims.AddRange(dims);
        t.RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(data.AsSpan()));
        g.Initializer.Add(t);
        return name;
    }

    private static TensorProto Int64s(string name, params long[] values)
    {
        var t = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Int64 };
        t.Dims.Add(values.Length);
        t.Int64Data.AddRange(values);
        return t;
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
