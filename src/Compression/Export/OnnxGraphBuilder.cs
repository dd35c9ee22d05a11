using System.Runtime.InteropServices;
using Google.Protobuf;
using Onnx;

namespace EdgeToolkit.Compression.Export;

/// <summary>Accumulates nodes and initializers of one ONNX graph, keeping value names unique.</summary>
internal sealed class OnnxGraphBuilder
{
    private readonly HashSet<string> names = new(StringComparer.Ordinal);

    public GraphProto Graph { get; } = new() { Name = "edgetoolkit" };

    /// <summary>Returns <paramref name="wanted"/> or, if taken, <c>wanted_1</c>, <c>wanted_2</c> ...</summary>
    public string UniqueName(string wanted)
    {
        if (names.Add(wanted)) return wanted;
        for (int i = 1; ; i++)
        {
            string candidate = $"{wanted}_{i}";
            if (names.Add(candidate)) return candidate;
        }
    }

    /// <summary>Adds a float initializer and returns its (unique) name.</summary>
    public string AddFloat(string name, float[] data, params long[] dims)
    {
        var tensor = new TensorProto { Name = UniqueName(name), DataType = (int)TensorProto.Types.DataType.Float };
        tensor.Dims.AddRange(dims);
        tensor.RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(data.AsSpan()));
        Graph.Initializer.Add(tensor);
        return tensor.Name;
    }

    /// <summary>Adds a 1-D int64 initializer and returns its (unique) name.</summary>
    public string AddInt64(string name, params long[] data)
    {
        var tensor = new TensorProto { Name = UniqueName(name), DataType = (int)TensorProto.Types.DataType.Int64 };
        tensor.Dims.Add(data.Length);
        tensor.RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(data.AsSpan()));
        Graph.Initializer.Add(tensor);
        return tensor.Name;
    }

    /// <summary>Adds a scalar float initializer.</summary>
    public string AddScalar(string name, float value)
    {
        var tensor = new TensorProto { Name = UniqueName(name), DataType = (int)TensorProto.Types.DataType.Float };
        tensor.RawData = ByteString.CopyFrom(BitConverter.GetBytes(value));
        Graph.Initializer.Add(tensor);
        return tensor.Name;
    }

    /// <summary>Adds a node with one output named after <paramref name="outputName"/> and returns that output.</summary>
    public string AddNode(string opType, string nodeName, IEnumerable<string> inputs, string outputName, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = opType, Name = UniqueName("node:" + nodeName) };
        node.Input.AddRange(inputs);
        string output = UniqueName(outputName);
        node.Output.Add(output);
        node.Attribute.AddRange(attributes);
        Graph.Node.Add(node);
        return output;
    }

    /// <summary>Renames a value everywhere it appears to a name reserved earlier with <see cref="UniqueName"/>.</summary>
    public void RenameValueToReserved(string from, string to)
    {
        foreach (var node in Graph.Node)
        {
            for (int i = 0; i < node.Output.Count; i++) if (node.Output[i] == from) node.Output[i] = to;
            for (int i = 0; i < node.Input.Count; i++) if (node.Input[i] == from) node.Input[i] = to;
        }
    }

    public static AttributeProto Ints(string name, params long[] values)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        a.Ints.AddRange(values);
        return a;
    }

    public static AttributeProto Int(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    public static AttributeProto Float(string name, float value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    public static AttributeProto String(string name, string value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(value) };
}
