using Google.Protobuf;
using Onnx;

namespace EdgeToolkit.ModelBundle.Tests;

/// <summary>A tiny valid classifier: input [batch, C, H, W] -> GlobalAveragePool -> Flatten -> Gemm -> logits [batch, classes].</summary>
internal static class TinyOnnxModel
{
    public static byte[] Create(int channels = 1, int size = 4, int classes = 2, string inputName = "input", string outputName = "logits", string producerVersion = "")
    {
        var graph = new GraphProto { Name = "tiny" };
        graph.Input.Add(Value(inputName, -1, channels, size, size));
        graph.Output.Add(Value(outputName, -1, classes));
        graph.Initializer.Add(Floats("W", Enumerable.Range(0, classes * channels).Select(i => (float)(i + 1)).ToArray(), classes, channels));
        graph.Initializer.Add(Floats("B", new float[classes], classes));
        graph.Node.Add(Node("GlobalAveragePool", [inputName], "pooled"));
        var flatten = Node("Flatten", ["pooled"], "flat");
        flatten.Attribute.Add(new AttributeProto { Name = "axis", Type = AttributeProto.Types.AttributeType.Int, I = 1 });
        graph.Node.Add(flatten);
        var gemm = Node("Gemm", ["flat", "W", "B"], outputName);
        gemm.Attribute.Add(new AttributeProto { Name = "transB", Type = AttributeProto.Types.AttributeType.Int, I = 1 });
        graph.Node.Add(gemm);
        var model = new ModelProto { IrVersion = 7, Graph = graph, ProducerName = "tests", ProducerVersion = producerVersion };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 13 });
        return model.ToByteArray();
    }

    private static NodeProto Node(string op, string[] inputs, string output)
    {
        var node = new NodeProto { OpType = op, Name = op };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        return node;
    }

    private static TensorProto Floats(string name, float[] values, params long[] dims)
    {
        var t = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
        t.Dims.AddRange(dims);
        t.FloatData.AddRange(values);
        return t;
    }

    private static ValueInfoProto Value(string name, params long[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (long d in dims)
            shape.Dim.Add(d < 0 ? new TensorShapeProto.Types.Dimension { DimParam = "batch" } : new TensorShapeProto.Types.Dimension { DimValue = d });
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } },
        };
    }
}
